// The dialing side of one peer: one long-lived bidi stream, opened with a hello and kept open; redialed with
// back-off when it breaks. Frames leave the bounded outbox only while fewer than `inflightFramesMax` frames wait
// for the peer's acknowledgement, so a peer that stops reading fills the outbox, and the outbox drops.
import * as grpc from '@grpc/grpc-js';
import type { RaftLogger } from '../config.ts';
import type { Message, NodeId } from '../types.ts';
import { encodeMessageFrame, formatId, messageToWire } from '../../store/proto/index.ts';
import type { Cancel, Clock } from './clock.ts';
import { ackCodec, frameCodec, RAFT_PEER_STREAM_METHOD, Refusal, refusalName, type WirePeerAck } from './grpc-frames.ts';
import { PeerOutbox, type OutboxItem } from './peer-outbox.ts';
import { snapshotChunks } from './snapshot-assembler.ts';
import type { PeerQueueLimits, PeerReport } from './transport.ts';

export interface PeerSenderConfig {
  self: NodeId;
  clusterId: bigint;
  clock: Clock;
  logger: RaftLogger;
  queueLimits: PeerQueueLimits;
  inflightFramesMax: number;
  snapshotChunkBytes: number;
  reconnectDelayMsMin: number;
  reconnectDelayMsMax: number;
  messageBytesMax: number;
  /** A stream whose oldest unacknowledged frame waits longer than this is taken as broken and redialed. */
  ackTimeoutMs: number;
  report: (r: PeerReport) => void;
}

interface SnapshotSend {
  chunks: ReturnType<typeof snapshotChunks>;
  /** Seq of the last chunk once written; the snapshot is delivered when it is acknowledged. */
  lastSeq?: bigint;
}

type Call = grpc.ClientDuplexStream<Buffer, WirePeerAck>;

const identity = (b: Buffer): Buffer => b;

/** Asked of the receiver: an acknowledgement once a quarter of the window waits, so frames never stall on it. */
export function ackEvery(inflightFramesMax: number): number {
  return Math.max(1, Math.floor(inflightFramesMax / 4));
}

export class PeerSender {
  private readonly outbox: PeerOutbox;
  private client: grpc.Client | undefined;
  private call: Call | undefined;
  private nextSeq = 1n;
  private ackedSeq = 0n;
  /** When the acknowledgements last moved (or the window last went from empty to non-empty). */
  private ackProgressAt = 0;
  private snapshot: SnapshotSend | undefined;
  private reconnectDelayMs: number;
  private cancelRedial: Cancel | undefined;
  /** Set after a refusal that redialing cannot fix (another cluster, removed). */
  private refused = false;
  private closed = false;
  /** Wall time (ms) since the current stream has been acknowledged by the peer; undefined when not connected. */
  activeSince: number | undefined;

  constructor(
    readonly peer: NodeId,
    private address: string,
    private readonly cfg: PeerSenderConfig,
    /** Plaintext, or TLS for an https peer URL. */
    private credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
  ) {
    this.outbox = new PeerOutbox(cfg.queueLimits);
    this.reconnectDelayMs = cfg.reconnectDelayMsMin;
  }

  send(messages: readonly Message[]): void {
    if (this.closed) return;
    const refused = this.outbox.push(messages);
    if (refused.length > 0) this.drop(refused, 'queue full');
    if (this.refused) {
      this.drop(this.outbox.clear(), 'peer refused us');
      return;
    }
    if (this.call === undefined && this.cancelRedial === undefined) this.dial();
    else if (this.stalled()) this.onBroken(this.call!, `no acknowledgement for ${this.cfg.ackTimeoutMs} ms`);
    else this.pump();
  }

  /** A peer that stopped reading: frames wait unacknowledged for too long (a snapshot would never complete). */
  private stalled(): boolean {
    return this.call !== undefined && this.nextSeq - 1n > this.ackedSeq && this.cfg.clock.now() - this.ackProgressAt > this.cfg.ackTimeoutMs;
  }

  setAddress(address: string, credentials: grpc.ChannelCredentials = this.credentials): void {
    if (address === this.address && credentials === this.credentials) return;
    this.address = address;
    this.credentials = credentials;
    this.refused = false;
    this.hangUp();
    this.closeClient();
  }

  close(): void {
    this.closed = true;
    this.cancelRedial?.();
    this.hangUp();
    this.closeClient();
    this.outbox.clear();
  }

  private dial(): void {
    this.cancelRedial = undefined;
    if (this.closed || this.refused) return;
    this.client ??= new grpc.Client(this.address, this.credentials, {
      'grpc.max_send_message_length': this.cfg.messageBytesMax,
      'grpc.max_receive_message_length': this.cfg.messageBytesMax,
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5_000,
      'grpc.keepalive_permit_without_calls': 1,
    });
    const call: Call = this.client.makeBidiStreamRequest(RAFT_PEER_STREAM_METHOD, identity, (b: Buffer) =>
      ackCodec().decode(b),
    );
    this.call = call;
    this.nextSeq = 1n;
    this.ackedSeq = 0n;
    call.on('data', (ack: WirePeerAck) => this.onAck(call, ack));
    call.on('error', (e: grpc.ServiceError) => this.onBroken(call, e.details || e.message));
    call.on('end', () => this.onBroken(call, 'stream ended by peer'));
    const cfg = this.cfg;
    call.write(frameCodec().encode({ hello: { cluster_id: cfg.clusterId, from: cfg.self, to: this.peer, ack_every: ackEvery(cfg.inflightFramesMax) } }));
    this.pump();
  }

  /** Writes frames while the in-flight window allows. */
  private pump(): void {
    const call = this.call;
    if (call === undefined) return;
    if (this.nextSeq - 1n === this.ackedSeq) this.ackProgressAt = this.cfg.clock.now();
    while (this.nextSeq - 1n - this.ackedSeq < BigInt(this.cfg.inflightFramesMax)) {
      if (this.snapshot !== undefined && this.snapshot.lastSeq === undefined) {
        this.writeChunk(call, this.snapshot);
        continue;
      }
      if (this.snapshot !== undefined) return; // the last chunk is written: wait for its acknowledgement
      const item = this.outbox.shift();
      if (item === undefined) return;
      if (item.kind === 'frame') {
        call.write(encodeMessageFrame(this.nextSeq++, item.messages));
      } else {
        this.snapshot = { chunks: snapshotChunks(item.message, this.cfg.snapshotChunkBytes) };
      }
    }
  }

  private writeChunk(call: Call, s: SnapshotSend): void {
    const next = s.chunks.next();
    if (next.done) return;
    const chunk = next.value;
    const seq = this.nextSeq++;
    const wire = { ...chunk, announce: chunk.announce === null ? null : messageToWire(chunk.announce) };
    call.write(frameCodec().encode({ seq, snapshot_chunk: wire }));
    if (chunk.last) s.lastSeq = seq;
  }

  private onAck(call: Call, ack: WirePeerAck): void {
    if (call !== this.call) return;
    if (ack.refusal !== Refusal.None) {
      this.onRefused(ack);
      return;
    }
    this.activeSince ??= Date.now();
    if (ack.seq > this.ackedSeq) {
      this.ackedSeq = ack.seq;
      this.ackProgressAt = this.cfg.clock.now();
    }
    this.reconnectDelayMs = this.cfg.reconnectDelayMsMin;
    const s = this.snapshot;
    if (s?.lastSeq !== undefined && this.ackedSeq >= s.lastSeq) {
      this.snapshot = undefined;
      this.cfg.report({ type: 'snapshot', peer: this.peer, ok: true });
    }
    this.pump();
  }

  private onRefused(ack: WirePeerAck): void {
    const reason = refusalName(ack.refusal);
    this.cfg.logger.warn(`transport ${formatId(this.cfg.self)}: peer ${formatId(this.peer)} refused us: ${reason}: ${ack.detail}`);
    this.cfg.report({ type: 'refused', peer: this.peer, reason, detail: ack.detail });
    // Another cluster or a removed member will not change its mind; an unknown member may learn of us later.
    if (ack.refusal === Refusal.ClusterMismatch || ack.refusal === Refusal.RemovedMember) this.refused = true;
    if (ack.refusal === Refusal.UnknownMember) this.reconnectDelayMs = this.cfg.reconnectDelayMsMax;
    this.onBroken(this.call!, `refused: ${reason}`);
  }

  private onBroken(call: Call, why: string): void {
    if (call !== this.call) return;
    this.cfg.logger.debug(`transport ${formatId(this.cfg.self)}: stream to ${formatId(this.peer)} broke: ${why}`);
    this.hangUp();
    this.cfg.report({ type: 'unreachable', peer: this.peer });
    if (this.closed) return;
    if (this.refused) {
      this.drop(this.outbox.clear(), 'peer refused us');
      return;
    }
    const delayMs = this.reconnectDelayMs * (0.5 + Math.random() / 2);
    this.reconnectDelayMs = Math.min(this.reconnectDelayMs * 2, this.cfg.reconnectDelayMsMax);
    this.cancelRedial = this.cfg.clock.setTimeout(() => this.dial(), delayMs);
  }

  /** Ends the current stream; a snapshot half sent on it has failed. */
  private hangUp(): void {
    const call = this.call;
    this.call = undefined;
    this.activeSince = undefined;
    if (call !== undefined) {
      call.removeAllListeners('data');
      call.on('error', () => {});
      call.cancel();
    }
    if (this.snapshot !== undefined) {
      this.snapshot = undefined;
      this.cfg.report({ type: 'snapshot', peer: this.peer, ok: false });
    }
  }

  private closeClient(): void {
    this.client?.close();
    this.client = undefined;
  }

  private drop(items: OutboxItem[], why: string): void {
    if (items.length === 0) return;
    this.cfg.logger.debug(`transport ${formatId(this.cfg.self)}: dropped ${items.length} item(s) to ${formatId(this.peer)}: ${why}`);
    for (const item of items) {
      if (item.kind === 'snapshot') this.cfg.report({ type: 'snapshot', peer: this.peer, ok: false });
    }
    this.cfg.report({ type: 'unreachable', peer: this.peer });
  }
}
