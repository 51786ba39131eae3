// Transport over gRPC (proto/raft.proto's RaftPeer.Stream): every node dials one long-lived stream to each peer
// and sends on it; it receives on the streams its peers dialed. Replies go out on the replier's own stream.
//
// The first frame of a stream is a hello naming the cluster, the sender and the intended receiver; a receiver
// refuses (PeerAck.refusal, then closes) a stream from another cluster, for another member, or from a member it
// does not know. Frames that do not decode into valid Raft messages are dropped and logged; the stream stays.
import * as grpc from '@grpc/grpc-js';
import { widenServerWindows } from '../../common/http2/flow-control.ts';
import { silentLogger, type RaftLogger } from '../config.ts';
import { LOCAL_MESSAGE_TYPES, type Message, type NodeId } from '../types.ts';
import { formatId, loadRaftProtos, messageFromWire, MalformedPeerMessageError } from '../../store/proto/index.ts';
import { RealClock, type Clock } from './clock.ts';
import { decodePeerFrame, Refusal, type WirePeerAck, type WirePeerFrame } from './grpc-frames.ts';
import { PeerSender, type PeerSenderConfig } from './grpc-peer-sender.ts';
import { PeerAcks } from './peer-acks.ts';
import { SnapshotAssembler, SnapshotChunkError } from './snapshot-assembler.ts';
import { DEFAULT_PEER_QUEUE_LIMITS, groupByPeer, type PeerQueueLimits, type PeerReport, type Transport } from './transport.ts';

export interface GrpcTransportOptions {
  id: NodeId;
  clusterId: bigint;
  /** host:port to listen on, or several (etcd serves every --listen-peer-urls); port 0 picks a free port. */
  listen: string | readonly string[];
  clock?: Clock;
  logger?: RaftLogger;
  queueLimits?: PeerQueueLimits;
  /** Frames written on a stream and not yet acknowledged. */
  inflightFramesMax?: number;
  snapshotChunkBytes?: number;
  /** Largest snapshot a receiver assembles. */
  snapshotBytesMax?: number;
  /** Largest gRPC message either way (a frame of one Ready cycle). */
  messageBytesMax?: number;
  reconnectDelayMsMin?: number;
  reconnectDelayMsMax?: number;
  /** A stream whose frames wait longer than this for acknowledgement is redialed (a stuck peer). */
  ackTimeoutMs?: number;
  /** Credentials of each `listen` address, in order (TLS for https peer URLs); plaintext when absent. */
  listenCredentials?: readonly grpc.ServerCredentials[];
  /** Credentials to dial a peer URL with (TLS for https); plaintext when absent. */
  dialCredentials?: (url: string) => grpc.ChannelCredentials;
  /** Further services served on the peer port (the application's peer-to-peer calls, as etcd's peer handlers). */
  services?: Array<{ definition: grpc.ServiceDefinition; implementation: grpc.UntypedServiceImplementation }>;
}

type ServerCall = grpc.ServerDuplexStream<WirePeerFrame, Partial<WirePeerAck>>;

export class GrpcTransport implements Transport {
  readonly id: NodeId;
  private readonly senders = new Map<NodeId, PeerSender>();
  /** Streams peers dialed to us, by sender, so removing a peer cuts them. */
  private readonly incoming = new Map<NodeId, Set<ServerCall>>();
  private receiveHandler: (messages: Message[]) => void = () => {};
  private reportHandlers: Array<(report: PeerReport) => void> = [];
  private readonly senderConfig: PeerSenderConfig;
  private readonly logger: RaftLogger;
  private readonly snapshotBytesMax: number;
  private closed = false;

  private constructor(
    private readonly options: GrpcTransportOptions,
    private readonly server: grpc.Server,
    /** The addresses this node listens on, with the ports chosen, in `listen` order. */
    readonly addresses: readonly string[],
  ) {
    this.id = options.id;
    this.logger = options.logger ?? silentLogger;
    this.snapshotBytesMax = options.snapshotBytesMax ?? 1024 * 1024 * 1024;
    this.senderConfig = {
      self: options.id,
      clusterId: options.clusterId,
      clock: options.clock ?? new RealClock(),
      logger: this.logger,
      queueLimits: options.queueLimits ?? DEFAULT_PEER_QUEUE_LIMITS,
      inflightFramesMax: options.inflightFramesMax ?? 64,
      snapshotChunkBytes: options.snapshotChunkBytes ?? 512 * 1024,
      reconnectDelayMsMin: options.reconnectDelayMsMin ?? 50,
      reconnectDelayMsMax: options.reconnectDelayMsMax ?? 2_000,
      messageBytesMax: options.messageBytesMax ?? 128 * 1024 * 1024,
      ackTimeoutMs: options.ackTimeoutMs ?? 10_000,
      report: (r) => {
        if (!this.closed) for (const h of this.reportHandlers) h(r);
      },
    };
  }

  /** Listens on `options.listen` and returns the transport; peers are added with addPeer. */
  static async start(options: GrpcTransportOptions): Promise<GrpcTransport> {
    const bytesMax = options.messageBytesMax ?? 128 * 1024 * 1024;
    const server = new grpc.Server({
      'grpc.max_receive_message_length': bytesMax,
      'grpc.max_send_message_length': bytesMax,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.http2.min_ping_interval_without_data_ms': 5_000,
    });
    const holder: { transport?: GrpcTransport } = {};
    const peer = loadRaftProtos().services.RaftPeer.definition;
    server.addService({ ...peer, Stream: { ...peer.Stream, requestDeserialize: decodePeerFrame } }, {
      Stream: (call: ServerCall) => holder.transport!.accept(call),
    });
    for (const svc of options.services ?? []) server.addService(svc.definition, svc.implementation);
    const addresses: string[] = [];
    try {
      const listens = typeof options.listen === 'string' ? [options.listen] : options.listen;
      for (const [i, listen] of listens.entries()) {
        const credentials = options.listenCredentials?.[i] ?? grpc.ServerCredentials.createInsecure();
        const port = await new Promise<number>((resolve, reject) =>
          server.bindAsync(listen, credentials, (err, p) => (err ? reject(err) : resolve(p))),
        );
        addresses.push(`${listen.slice(0, listen.lastIndexOf(':'))}:${port}`);
      }
    } catch (err) {
      server.forceShutdown();
      throw err;
    }
    // Appends flow from the dialing leader into this server: open its receive windows (flow-control.ts).
    widenServerWindows(server);
    holder.transport = new GrpcTransport(options, server, addresses);
    return holder.transport;
  }

  /** The first address this node listens on, with the port chosen. */
  get address(): string {
    return this.addresses[0];
  }

  send(messages: readonly Message[]): void {
    if (this.closed) return;
    for (const [peer, list] of groupByPeer(messages)) {
      const sender = this.senders.get(peer);
      if (sender === undefined) {
        this.logger.debug(`transport ${formatId(this.id)}: dropped ${list.length} message(s) to unknown peer ${formatId(peer)}`);
        continue;
      }
      sender.send(list);
    }
  }

  onReceive(handler: (messages: Message[]) => void): void {
    this.receiveHandler = handler;
  }

  /** Every handler registered gets every report (the node's, and an application's watching for refusals). */
  onReport(handler: (report: PeerReport) => void): void {
    this.reportHandlers.push(handler);
  }

  addPeer(id: NodeId, url: string): void {
    if (this.closed) return;
    const address = url.replace(/^[a-z]+:\/\//, '');
    const credentials = this.options.dialCredentials?.(url) ?? grpc.credentials.createInsecure();
    const existing = this.senders.get(id);
    if (existing !== undefined) existing.setAddress(address, credentials);
    else this.senders.set(id, new PeerSender(id, address, this.senderConfig, credentials));
  }

  /** Since when (wall ms) the stream to `id` has been acknowledged, as etcd's transport ActiveSince; undefined if down. */
  activeSince(id: NodeId): number | undefined {
    return this.senders.get(id)?.activeSince;
  }

  removePeer(id: NodeId): void {
    this.senders.get(id)?.close();
    this.senders.delete(id);
    for (const call of this.incoming.get(id) ?? []) this.refuse(call, Refusal.RemovedMember, `member ${formatId(id)} was removed`);
    this.incoming.delete(id);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const sender of this.senders.values()) sender.close();
    this.senders.clear();
    for (const calls of this.incoming.values()) for (const call of calls) call.end();
    this.incoming.clear();
    // Raft needs no graceful goodbye: whatever is in flight is retried by the core after a restart.
    this.server.forceShutdown();
  }

  /** A peer dialed us: the first frame must be its hello. */
  private accept(call: ServerCall): void {
    if (this.closed) {
      call.end();
      return;
    }
    let from: NodeId | undefined;
    const assembler = new SnapshotAssembler(this.snapshotBytesMax);
    const acks = new PeerAcks(this.senderConfig.clock, (seq) => {
      if (!call.cancelled && !call.writableEnded) call.write({ seq, snapshot_bytes: BigInt(assembler.receivedBytes) });
    });
    call.on('data', (frame: WirePeerFrame) => {
      if (this.closed || call.writableEnded) return;
      if (from === undefined) {
        from = this.checkHello(call, frame);
        if (from !== undefined) acks.setAckEvery(frame.hello?.ack_every ?? 0);
        return;
      }
      if (!this.senders.has(from)) {
        this.refuse(call, Refusal.RemovedMember, `member ${formatId(from)} is not a member of this cluster any more`);
        return;
      }
      this.onFrame(call, from, frame, assembler);
      acks.received(frame.seq, frame.snapshot_chunk !== null);
    });
    call.on('error', () => {});
    call.on('end', () => call.end());
    call.on('close', () => {
      acks.close();
      if (from !== undefined) this.incoming.get(from)?.delete(call);
    });
  }

  private checkHello(call: ServerCall, frame: WirePeerFrame): NodeId | undefined {
    const hello = frame.hello;
    if (hello === null) return this.refuse(call, Refusal.Malformed, 'the first frame of a stream must be a hello');
    if (hello.cluster_id !== this.options.clusterId) {
      return this.refuse(
        call,
        Refusal.ClusterMismatch,
        `member ${formatId(hello.from)} belongs to cluster ${formatId(hello.cluster_id)}, this member ` +
          `${formatId(this.id)} to cluster ${formatId(this.options.clusterId)}`,
      );
    }
    if (hello.to !== this.id) {
      return this.refuse(call, Refusal.UnknownMember, `this is member ${formatId(this.id)}, not ${formatId(hello.to)}`);
    }
    if (!this.senders.has(hello.from)) {
      return this.refuse(call, Refusal.UnknownMember, `member ${formatId(hello.from)} is not a known peer of member ${formatId(this.id)}`);
    }
    let calls = this.incoming.get(hello.from);
    if (calls === undefined) this.incoming.set(hello.from, (calls = new Set()));
    calls.add(call);
    return hello.from;
  }

  private onFrame(call: ServerCall, from: NodeId, frame: WirePeerFrame, assembler: SnapshotAssembler): void {
    if (frame.snapshot_chunk !== null) {
      let snap: Message | undefined;
      try {
        snap = assembler.add(frame.snapshot_chunk);
      } catch (e) {
        if (!(e instanceof SnapshotChunkError) && !(e instanceof MalformedPeerMessageError)) throw e;
        this.logger.warn(`transport ${formatId(this.id)}: from ${formatId(from)}: ${e.message}`);
        const digest = e instanceof SnapshotChunkError && e.digestMismatch;
        this.refuse(call, digest ? Refusal.SnapshotDigestMismatch : Refusal.Malformed, e.message);
        return;
      }
      if (snap !== undefined) this.deliver(from, [snap]);
      return;
    }
    if (frame.decoded !== undefined) {
      this.deliver(from, frame.decoded);
      return;
    }
    const messages: Message[] = [];
    try {
      for (const w of frame.messages) messages.push(messageFromWire(w));
    } catch (e) {
      if (!(e instanceof MalformedPeerMessageError)) throw e;
      this.logger.warn(`transport ${formatId(this.id)}: dropped a frame from ${formatId(from)}: ${e.message}`);
      return;
    }
    this.deliver(from, messages);
  }

  private deliver(from: NodeId, messages: Message[]): void {
    const valid = messages.filter((m) => m.from === from && m.to === this.id && !LOCAL_MESSAGE_TYPES.has(m.type));
    if (valid.length !== messages.length) {
      this.logger.warn(
        `transport ${formatId(this.id)}: dropped ${messages.length - valid.length} message(s) from ${formatId(from)} ` +
          'with a wrong sender, receiver or a local type',
      );
    }
    if (valid.length > 0) this.receiveHandler(valid);
  }

  private refuse(call: ServerCall, refusal: Refusal, detail: string): undefined {
    this.logger.warn(`transport ${formatId(this.id)}: refusing a peer stream: ${detail}`);
    if (!call.writableEnded) {
      call.write({ refusal, detail });
      call.end();
    }
    return undefined;
  }
}
