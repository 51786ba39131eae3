// Transport between nodes of one process, for tests: a hub routes frames by node id. Delivery is asynchronous
// (a later event-loop turn), in order per peer, and bounded like the real thing: frames wait in the sender's
// per-peer queue while the recipient is absent or paused, and are dropped once the queue is full.
import { silentLogger, type RaftLogger } from '../config.ts';
import type { Message, NodeId } from '../types.ts';
import { PeerOutbox, type OutboxItem } from './peer-outbox.ts';
import { DEFAULT_PEER_QUEUE_LIMITS, groupByPeer, type PeerQueueLimits, type PeerReport, type Transport } from './transport.ts';

export interface InMemoryTransportOptions {
  queueLimits?: PeerQueueLimits;
  logger?: RaftLogger;
}

export class InMemoryHub {
  private readonly endpoints = new Map<NodeId, InMemoryTransport>();
  private readonly paused = new Set<NodeId>();

  /** A transport for node `id`; replaces (as after a restart) a closed one of the same id. */
  connect(id: NodeId, options: InMemoryTransportOptions = {}): InMemoryTransport {
    if (this.endpoints.has(id)) throw new Error(`in-memory hub: node ${id} is already connected`);
    const t = new InMemoryTransport(id, this, options);
    this.endpoints.set(id, t);
    this.wakeAll();
    return t;
  }

  /** `id` stops reading: frames for it pile up in its peers' queues (a peer that never reads). */
  pause(id: NodeId): void {
    this.paused.add(id);
  }

  resume(id: NodeId): void {
    this.paused.delete(id);
    this.wakeAll();
  }

  /** The reachable, reading endpoint of `id`, if any. */
  receiver(id: NodeId): InMemoryTransport | undefined {
    return this.paused.has(id) ? undefined : this.endpoints.get(id);
  }

  detach(t: InMemoryTransport): void {
    if (this.endpoints.get(t.id) === t) this.endpoints.delete(t.id);
  }

  private wakeAll(): void {
    for (const t of this.endpoints.values()) t.wake();
  }
}

export class InMemoryTransport implements Transport {
  private readonly outboxes = new Map<NodeId, PeerOutbox>();
  private receiveHandler: (messages: Message[]) => void = () => {};
  private reportHandler: (report: PeerReport) => void = () => {};
  private pumpScheduled = false;
  private closed = false;
  private readonly limits: PeerQueueLimits;
  private readonly logger: RaftLogger;

  constructor(
    readonly id: NodeId,
    private readonly hub: InMemoryHub,
    options: InMemoryTransportOptions,
  ) {
    this.limits = options.queueLimits ?? DEFAULT_PEER_QUEUE_LIMITS;
    this.logger = options.logger ?? silentLogger;
  }

  send(messages: readonly Message[]): void {
    if (this.closed) return;
    for (const [peer, list] of groupByPeer(messages)) {
      const outbox = this.outboxes.get(peer);
      if (outbox === undefined) {
        this.logger.debug(`transport ${this.id}: dropped ${list.length} message(s) to unknown peer ${peer}`);
        continue;
      }
      const refused = outbox.push(list);
      if (refused.length > 0) this.refuse(peer, refused);
    }
    this.wake();
  }

  onReceive(handler: (messages: Message[]) => void): void {
    this.receiveHandler = handler;
  }

  onReport(handler: (report: PeerReport) => void): void {
    this.reportHandler = handler;
  }

  addPeer(id: NodeId, _url: string): void {
    if (!this.outboxes.has(id)) this.outboxes.set(id, new PeerOutbox(this.limits));
  }

  removePeer(id: NodeId): void {
    this.outboxes.get(id)?.clear();
    this.outboxes.delete(id);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const outbox of this.outboxes.values()) outbox.clear();
    this.hub.detach(this);
  }

  /** Delivers what is queued, in a later turn. */
  wake(): void {
    if (this.pumpScheduled || this.closed) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** A frame from `from` reaches this node. */
  deliver(from: NodeId, messages: Message[]): void {
    if (this.closed) return;
    if (!this.outboxes.has(from)) {
      this.logger.warn(`transport ${this.id}: refused ${messages.length} message(s) from unknown sender ${from}`);
      return;
    }
    this.receiveHandler(messages);
  }

  private pump(): void {
    if (this.closed) return;
    for (const [peer, outbox] of this.outboxes) {
      if (outbox.length === 0) continue;
      const target = this.hub.receiver(peer);
      if (target === undefined) {
        this.reportHandler({ type: 'unreachable', peer });
        continue;
      }
      for (let item = outbox.shift(); item !== undefined; item = outbox.shift()) {
        if (item.kind === 'frame') {
          target.deliver(this.id, item.messages);
        } else {
          const m = item.message;
          // A copy of the data, as a network would make: the receiver must not share the sender's buffer.
          const snapshot = { metadata: m.snapshot!.metadata, data: Uint8Array.from(m.snapshot!.data) };
          target.deliver(this.id, [{ ...m, snapshot }]);
          this.reportHandler({ type: 'snapshot', peer, ok: true });
        }
        if (this.closed) return;
      }
    }
  }

  private refuse(peer: NodeId, refused: OutboxItem[]): void {
    this.logger.debug(`transport ${this.id}: queue to ${peer} full, dropped ${refused.length} item(s)`);
    for (const item of refused) {
      if (item.kind === 'snapshot') this.reportHandler({ type: 'snapshot', peer, ok: false });
    }
    this.reportHandler({ type: 'unreachable', peer });
  }
}
