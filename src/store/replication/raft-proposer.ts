// A Proposer over a RaftNode. A request goes into the log as its InternalRequest bytes with a waiter id; every
// member applies every committed entry through the same EntryApplier, and the member whose waiter carries the
// entry's id answers its client. Raft forwards a follower's proposal to the leader. A proposal can still be lost
// (forwarded to, or appended by, a leader that is then deposed): each waiter has a deadline, and the error then
// says whether the leader changed meanwhile, as etcd's does.
//
// The proposer is also the RaftNode's application (`app`): committed entries -> EntryApplier (conf change entries
// and a new leader's empty entries go through as no-ops so that the applied index advances with them). The store
// keeps its state itself, as etcd's backend: a Raft snapshot only makes it durable (persist) so the log can be
// compacted, and a follower that needs one is sent the MVCC database (leases, alarms, auth live in it) as it is
// when sending; restore = the caller's restore hook (MVCC restoreFrom, then lessor and alarm reload and a watch
// resync), after which entries the database already holds are skipped.
import type { RaftApplication, RaftNode } from '../../raft/node/index.ts';
import { RaftNodeError, RaftNodeErrorCode } from '../../raft/node/index.ts';
import { RaftError, RaftErrorCode } from '../../raft/errors.ts';
import { decodeConfChange } from '../../raft/confchange-codec.ts';
import { EntryType, NONE, type ConfChangeV2, type Entry, type Snapshot } from '../../raft/types.ts';
import type { AppliedEntry, ApplyResult, CommittedEntry, EntryApplier } from '../apply/entry-applier.ts';
import { ServerError, ServerErrorCode } from '../apply/errors.ts';
import { encodeInternalRequest } from '../apply/internal-request.ts';
import type { Proposal, Proposer } from '../apply/proposer.ts';
import { RequestIdGenerator } from '../apply/request-id.ts';

export interface RaftProposerOptions {
  applier: EntryApplier;
  memberId: bigint;
  /** etcd's --max-request-bytes: an encoded entry larger than this is refused before the log. */
  maxRequestBytes: number;
  /** How long a waiter waits for its entry to be applied here (etcd: 5 s + 2 × election timeout). */
  requestTimeoutMs: number;
  /** The application's state for a follower (the MVCC database, leases and alarms included), taken on the call. */
  snapshot(): Promise<Uint8Array>;
  /** Resolves once everything applied so far is durable (for compacting the Raft log past it). */
  persist(): Promise<void>;
  /** Replaces the application's state with a snapshot's data. */
  restore(data: Buffer): Promise<void>;
  /** Wall-clock milliseconds at start-up, for unique request IDs; now by default. */
  startMillis?: number;
  /** Bound on waiters; beyond it proposals fail with "too many requests". */
  maxPendingProposals?: number;
  /**
   * A committed conf change entry, in log order with the other entries. Returns the waiter id its context names
   * (the proposing member answers its client once applied), if any.
   */
  onConfChange?: (cc: ConfChangeV2, index: number) => bigint | undefined;
  /**
   * Test-only (--experimental-unsafe-local-reads): linearizable reads serve local state without a ReadIndex
   * round, so a deposed or partitioned member answers stale reads. Exists to prove the Jepsen runner catches it.
   */
  unsafeLocalReads?: boolean;
}

interface Waiter {
  resolve: (r: ApplyResult) => void;
  reject: (err: unknown) => void;
  timer: NodeJS.Timeout;
}

/** The node's errors as etcd's client-facing ones. */
export function serverErrorOfRaft(err: unknown): unknown {
  if (err instanceof RaftError) {
    if (err.code === RaftErrorCode.ProposalDropped) return new ServerError(ServerErrorCode.NoLeader);
    if (err.code === RaftErrorCode.TransferInProgress) return new ServerError(ServerErrorCode.LeaderChanged);
    return err;
  }
  if (err instanceof RaftNodeError) {
    if (err.code === RaftNodeErrorCode.Stopped) return new ServerError(ServerErrorCode.Stopped);
    if (err.code === RaftNodeErrorCode.TooManyPending) return new ServerError(ServerErrorCode.TooManyRequests);
    if (err.code === RaftNodeErrorCode.Timeout) return new ServerError(ServerErrorCode.Timeout);
  }
  return err;
}

export class RaftProposer implements Proposer {
  readonly app: RaftApplication;
  private node: RaftNode | undefined;
  private readonly ids: RequestIdGenerator;
  private readonly waiters = new Map<bigint, Waiter>();
  private readonly confWaiters = new Map<bigint, { resolve: () => void; reject: (err: unknown) => void; timer: NodeJS.Timeout }>();
  private readonly maxPending: number;
  private applying: Promise<unknown> | undefined;
  private closed = false;
  private failure: unknown = undefined;
  private readonly leaderWatchers = new Set<() => void>();

  constructor(private readonly options: RaftProposerOptions) {
    this.ids = new RequestIdGenerator(options.memberId, options.startMillis ?? Date.now());
    this.maxPending = options.maxPendingProposals ?? 100_000;
    this.app = {
      apply: (entries) => this.track(this.apply(entries)),
      snapshot: () => this.options.persist().then(() => EMPTY),
      stateToSend: () => this.options.snapshot(),
      restore: (snap) => this.track(this.restore(snap)),
    };
  }

  /** The node driving this proposer (started with `app`). */
  attach(node: RaftNode): void {
    this.node = node;
    node.onLeaderChange(() => {
      for (const w of [...this.leaderWatchers]) w();
    });
    node.onFatal((err) => {
      this.failure = err;
      this.failAll(new ServerError(ServerErrorCode.Stopped));
    });
  }

  /** Status's raftIndex: the committed index, as etcd reports it. */
  get lastIndex(): number {
    return this.node?.status().hardState.commit ?? 0;
  }

  get term(): bigint {
    return BigInt(this.node?.currentTerm ?? 0);
  }

  get leaderId(): bigint {
    const lead = this.node?.leader ?? NONE;
    return lead === NONE ? 0n : lead;
  }

  get hasLeader(): boolean {
    return this.leaderId !== 0n;
  }

  get pendingCount(): number {
    return this.waiters.size;
  }

  async propose(proposal: Proposal): Promise<ApplyResult> {
    const node = this.node;
    if (this.closed || node === undefined || this.failure !== undefined) throw new ServerError(ServerErrorCode.Stopped);
    if (this.waiters.size >= this.maxPending) throw new ServerError(ServerErrorCode.TooManyRequests);
    const id = this.ids.next();
    const data = encodeInternalRequest({ id, kind: proposal.kind, body: proposal.body, authRevision: proposal.authRevision });
    if (data.length > this.options.maxRequestBytes) throw new ServerError(ServerErrorCode.RequestTooLarge);
    const leaderAtStart = node.leader;
    const result = new Promise<ApplyResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        // As etcd: a deadline passed while the leader changed is probably the old leader's fault.
        const changed = leaderAtStart === NONE || node.leader !== leaderAtStart;
        reject(new ServerError(changed ? ServerErrorCode.TimeoutDueToLeaderFail : ServerErrorCode.Timeout));
      }, this.options.requestTimeoutMs);
      this.waiters.set(id, { resolve, reject, timer });
    });
    // close() or the deadline may reject the waiter while the node has not taken the entry yet, i.e. before the
    // caller gets `result`: handled here so that is no unhandled rejection (the caller still sees the error).
    result.catch(() => undefined);
    try {
      await node.propose(data);
    } catch (err) {
      const w = this.waiters.get(id);
      if (w !== undefined) {
        clearTimeout(w.timer);
        this.waiters.delete(id);
      }
      throw serverErrorOfRaft(err);
    }
    return result;
  }

  /**
   * Proposes a membership change; `build` gets the waiter id (to put in the context, see onConfChange). Resolves
   * once the change is applied here.
   */
  async proposeConfChange(build: (id: bigint) => ConfChangeV2): Promise<void> {
    const node = this.node;
    if (this.closed || node === undefined || this.failure !== undefined) throw new ServerError(ServerErrorCode.Stopped);
    const id = this.ids.next();
    const cc = build(id);
    const result = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.confWaiters.delete(id);
        reject(new ServerError(ServerErrorCode.Timeout));
      }, this.options.requestTimeoutMs);
      this.confWaiters.set(id, { resolve, reject, timer });
    });
    result.catch(() => undefined); // as in propose()
    try {
      await node.proposeConfChange(cc);
    } catch (err) {
      const w = this.confWaiters.get(id);
      if (w !== undefined) {
        clearTimeout(w.timer);
        this.confWaiters.delete(id);
      }
      throw serverErrorOfRaft(err);
    }
    return result;
  }

  /**
   * A linearizable read point: one ReadIndex round (batched with every read meanwhile), then local state. A
   * leader change before the round answers fails the read with "leader changed", as etcd does.
   */
  async readBarrier(): Promise<void> {
    const node = this.node;
    if (this.closed || node === undefined || this.failure !== undefined) throw new ServerError(ServerErrorCode.Stopped);
    if (this.options.unsafeLocalReads === true) return this.localReadBarrier();
    let onChange: () => void = () => undefined;
    const changed = new Promise<never>((_, reject) => {
      onChange = () => reject(new ServerError(ServerErrorCode.LeaderChanged));
    });
    changed.catch(() => undefined);
    this.leaderWatchers.add(onChange);
    try {
      await Promise.race([node.readIndex().catch((err: unknown) => Promise.reject(serverErrorOfRaft(err))), changed]);
    } finally {
      this.leaderWatchers.delete(onChange);
    }
    await this.localReadBarrier();
  }

  /** Hands leadership to `to`; etcd's texts when it cannot or takes too long. */
  async transferLeader(to: bigint, timeoutMs?: number): Promise<void> {
    const node = this.node;
    if (this.closed || node === undefined || this.failure !== undefined) throw new ServerError(ServerErrorCode.Stopped);
    try {
      await node.transferLeader(to, timeoutMs);
    } catch (err) {
      if (err instanceof RaftNodeError && err.code === RaftNodeErrorCode.Timeout) throw new ServerError(ServerErrorCode.TimeoutLeaderTransfer);
      throw serverErrorOfRaft(err);
    }
  }

  /** Committed entries are applied in memory before their batch is on local disk: wait for the batch. */
  async localReadBarrier(): Promise<void> {
    while (this.applying !== undefined) await this.applying.catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.failAll(new ServerError(ServerErrorCode.Stopped));
    await this.node?.stop();
  }

  private track<T>(p: Promise<T>): Promise<T> {
    const tracked = p.finally(() => {
      if (this.applying === tracked) this.applying = undefined;
    });
    this.applying = tracked;
    return tracked;
  }

  private async apply(entries: readonly Entry[]): Promise<void> {
    // Conf changes are handled in log order between runs of other entries (a member added, then its publish).
    let run: Entry[] = [];
    for (const e of entries) {
      if (e.type !== EntryType.ConfChange) {
        run.push(e);
        continue;
      }
      await this.applyRun([...run, e]);
      run = [];
      this.applyConfChange(e);
    }
    if (run.length > 0) await this.applyRun(run);
  }

  private applyConfChange(e: Entry): void {
    let cc: ConfChangeV2;
    try {
      cc = decodeConfChange(e.data);
    } catch {
      return;
    }
    const id = this.options.onConfChange?.(cc, e.index);
    if (id === undefined) return;
    const w = this.confWaiters.get(id);
    if (w === undefined) return;
    this.confWaiters.delete(id);
    clearTimeout(w.timer);
    w.resolve();
  }

  private async applyRun(entries: readonly Entry[]): Promise<void> {
    const committed: CommittedEntry[] = entries.map((e) => ({
      index: e.index,
      // Conf changes and a new leader's empty entry are no-ops for the store but advance its applied index.
      data: e.type === EntryType.Normal && e.data.length > 0 ? Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength) : EMPTY,
    }));
    // Answered once the batch is published, before its write completes (the entries are durable in the Raft log
    // of a quorum): the watch hub has announced the revision by then, so no client learns of a revision (from a
    // response header) that a watch or progress request has not reached. The node's next batch waits for the write.
    const { applied, written } = this.options.applier.apply(committed);
    this.answer(applied);
    await written;
  }

  private answer(applied: readonly AppliedEntry[]): void {
    for (const a of applied) {
      if (a.id === 0n) continue;
      const w = this.waiters.get(a.id);
      if (w === undefined) continue;
      this.waiters.delete(a.id);
      clearTimeout(w.timer);
      w.resolve(a.result);
    }
  }

  /** Resolves with the applied index of the state restored: the leader's when it was sent, past the snapshot's. */
  private async restore(snap: Snapshot): Promise<number> {
    if (snap.data.length > 0) await this.options.restore(Buffer.from(snap.data.buffer, snap.data.byteOffset, snap.data.byteLength));
    return this.options.applier.appliedIndex;
  }

  private failAll(err: unknown): void {
    for (const w of this.waiters.values()) {
      clearTimeout(w.timer);
      w.reject(err);
    }
    this.waiters.clear();
    for (const w of this.confWaiters.values()) {
      clearTimeout(w.timer);
      w.reject(err);
    }
    this.confWaiters.clear();
  }
}

const EMPTY = Buffer.alloc(0);
