// What a leader knows about one follower's log, and how it decides what to send next.
import { ProgressState } from '../types.ts';
import { Inflights } from './inflights.ts';

export class Progress {
  /** Highest index known to be replicated on the follower. Invariant: match < next. */
  match: number;
  /** Index of the next entry to send. */
  next: number;
  state: ProgressState = ProgressState.Probe;
  /** In Snapshot state: the index of the snapshot being sent; the follower needs it before more appends. */
  pendingSnapshot = 0;
  /** Heard from within the current election timeout (check-quorum); reset on every check. */
  recentActive = false;
  /** In Probe state: one probe is in flight, so wait for its answer (or a heartbeat answer) before the next. */
  msgAppFlowPaused = false;
  inflights: Inflights;
  isLearner: boolean;
  /** The highest commit index sent to this follower (in MsgApp or heartbeat) in the current term. */
  sentCommit = 0;

  constructor(opts: { next: number; match?: number; maxInflight: number; maxInflightBytes?: number; isLearner?: boolean }) {
    this.next = opts.next;
    this.match = opts.match ?? 0;
    this.inflights = new Inflights(opts.maxInflight, opts.maxInflightBytes ?? 0);
    this.isLearner = opts.isLearner ?? false;
  }

  clone(): Progress {
    const p = new Progress({ next: this.next, match: this.match, maxInflight: 1, isLearner: this.isLearner });
    p.state = this.state;
    p.pendingSnapshot = this.pendingSnapshot;
    p.recentActive = this.recentActive;
    p.msgAppFlowPaused = this.msgAppFlowPaused;
    p.sentCommit = this.sentCommit;
    p.inflights = this.inflights.clone();
    return p;
  }

  private resetState(state: ProgressState): void {
    this.msgAppFlowPaused = false;
    this.pendingSnapshot = 0;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    // After a snapshot the follower has at least the snapshot: probe right after it.
    if (this.state === ProgressState.Snapshot) {
      const pending = this.pendingSnapshot;
      this.resetState(ProgressState.Probe);
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.resetState(ProgressState.Probe);
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState(ProgressState.Replicate);
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState(ProgressState.Snapshot);
    this.pendingSnapshot = snapshotIndex;
  }

  /** Records that a MsgApp with `count` entries (last one `lastIndex`) and `bytes` of payload was sent. */
  sentEntries(count: number, lastIndex: number, bytes: number): void {
    switch (this.state) {
      case ProgressState.Replicate:
        if (count > 0) {
          this.next = lastIndex + 1;
          this.inflights.add(lastIndex, bytes);
        }
        break;
      case ProgressState.Probe:
        // One probe at a time: the answer tells where the logs agree.
        this.msgAppFlowPaused = true;
        break;
      case ProgressState.Snapshot:
        break;
    }
  }

  /** Accepts an acknowledgement of index n; returns false when it is stale. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.msgAppFlowPaused = false;
    }
    if (this.next < n + 1) this.next = n + 1;
    return updated;
  }

  /**
   * Handles a rejected MsgApp for index `rejected`, with the follower's hint that its log may match at
   * `matchHint`. Returns false when the rejection is stale (answers an earlier message).
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === ProgressState.Replicate) {
      if (rejected <= this.match) return false;
      // Pipelined appends got ahead of the follower: go back to just after what it surely has.
      this.next = this.match + 1;
      return true;
    }
    // In Probe state only the answer to the latest probe counts.
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.msgAppFlowPaused = false;
    return true;
  }

  /** Whether sending more appends must wait. */
  isPaused(): boolean {
    switch (this.state) {
      case ProgressState.Probe:
        return this.msgAppFlowPaused;
      case ProgressState.Replicate:
        return this.inflights.full();
      case ProgressState.Snapshot:
        return true;
    }
  }

  describe(): string {
    let s = `${this.state} match=${this.match} next=${this.next}`;
    if (this.isLearner) s += ' learner';
    if (this.isPaused()) s += ' paused';
    if (this.pendingSnapshot > 0) s += ` pendingSnap=${this.pendingSnapshot}`;
    if (!this.recentActive) s += ' inactive';
    if (this.inflights.count > 0) s += ` inflight=${this.inflights.count}`;
    return s;
  }
}
