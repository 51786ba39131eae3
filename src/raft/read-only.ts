// ReadIndex bookkeeping on the leader. With the Safe option a read request waits until a quorum has answered a
// heartbeat sent after the request arrived, which proves that we were still leader when it arrived.
import { assert } from './assert.ts';
import { ReadOnlyOption, type Message, type NodeId } from './types.ts';

export interface ReadIndexStatus {
  /** The request as received (local: from = NONE or our id; forwarded: from = the follower). */
  req: Message;
  /** The commit index when the request arrived: reads are linearizable once applied >= index. */
  index: number;
  acks: Set<NodeId>;
}

/** Bound on pending requests, so that a leader cut off from its quorum cannot accumulate them forever. */
export const MAX_PENDING_READ_INDEX = 4096;

export class ReadOnly {
  private readonly pending = new Map<string, ReadIndexStatus>();
  /** Context keys in arrival order. */
  private queue: string[] = [];

  constructor(readonly option: ReadOnlyOption) {}

  get pendingCount(): number {
    return this.queue.length;
  }

  /** Returns false when the request is a duplicate context or the queue is full. */
  addRequest(index: number, m: Message): boolean {
    const key = contextKey(m.context);
    if (this.pending.has(key) || this.queue.length >= MAX_PENDING_READ_INDEX) return false;
    this.pending.set(key, { req: m, index, acks: new Set() });
    this.queue.push(key);
    return true;
  }

  /** Records a heartbeat acknowledgement carrying ctx; returns the acks so far, or undefined if unknown. */
  recvAck(id: NodeId, ctx: Uint8Array): ReadonlySet<NodeId> | undefined {
    const rs = this.pending.get(contextKey(ctx));
    if (!rs) return undefined;
    rs.acks.add(id);
    return rs.acks;
  }

  /**
   * Releases the request with ctx and every request queued before it (a heartbeat round that confirms a later
   * request confirms the earlier ones too).
   */
  advance(ctx: Uint8Array): ReadIndexStatus[] {
    const key = contextKey(ctx);
    const at = this.queue.indexOf(key);
    if (at < 0) return [];
    const released = this.queue.slice(0, at + 1).map((k) => {
      const rs = this.pending.get(k);
      assert(rs !== undefined, () => `read index queue holds unknown context ${k}`);
      this.pending.delete(k);
      return rs;
    });
    this.queue = this.queue.slice(at + 1);
    return released;
  }

  /** The context of the newest pending request, sent with heartbeats; undefined when none. */
  lastPendingRequestCtx(): Uint8Array | undefined {
    if (this.queue.length === 0) return undefined;
    return this.pending.get(this.queue[this.queue.length - 1])!.req.context;
  }
}

function contextKey(ctx: Uint8Array): string {
  let s = '';
  for (const b of ctx) s += b.toString(16).padStart(2, '0');
  return s;
}
