// One peer's outgoing queue, bounded in frames and bytes. A frame is every message of one send() call for this
// peer; a snapshot travels as an item of its own, in order with the frames around it.
import { MessageType, type Message } from '../types.ts';
import { messageSizeBytes, type PeerQueueLimits } from './transport.ts';

export type OutboxItem =
  | { kind: 'frame'; messages: Message[]; sizeBytes: number }
  | { kind: 'snapshot'; message: Message; sizeBytes: number };

/** Snapshot data is not held against the byte bound: it is the application's, already in memory. */
const SNAPSHOT_ITEM_BYTES = 1024;

export class PeerOutbox {
  private items: OutboxItem[] = [];
  private head = 0;
  private bytes = 0;

  constructor(private readonly limits: PeerQueueLimits) {}

  get length(): number {
    return this.items.length - this.head;
  }

  /**
   * Queues the messages (one send() call's worth for this peer) as frames and snapshot items. Returns the items
   * refused because the queue is full.
   */
  push(messages: readonly Message[]): OutboxItem[] {
    const refused: OutboxItem[] = [];
    let run: Message[] = [];
    const flushRun = () => {
      if (run.length === 0) return;
      let sizeBytes = 0;
      for (const m of run) sizeBytes += messageSizeBytes(m);
      this.offer({ kind: 'frame', messages: run, sizeBytes }, refused);
      run = [];
    };
    for (const m of messages) {
      if (m.type === MessageType.Snap) {
        flushRun();
        this.offer({ kind: 'snapshot', message: m, sizeBytes: SNAPSHOT_ITEM_BYTES }, refused);
      } else {
        run.push(m);
      }
    }
    flushRun();
    return refused;
  }

  peek(): OutboxItem | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  shift(): OutboxItem | undefined {
    const item = this.peek();
    if (item === undefined) return undefined;
    this.head++;
    this.bytes -= item.sizeBytes;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Empties the queue, returning what was in it. */
  clear(): OutboxItem[] {
    const rest = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    this.bytes = 0;
    return rest;
  }

  private offer(item: OutboxItem, refused: OutboxItem[]): void {
    if (this.length >= this.limits.framesMax || this.bytes + item.sizeBytes > this.limits.bytesMax) {
      refused.push(item);
      return;
    }
    this.items.push(item);
    this.bytes += item.sizeBytes;
  }
}
