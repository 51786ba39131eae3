// The Raft log as the core sees it: the durable part (storage) followed by the unstable tail, plus the commit and
// apply cursors.
import { assert } from './assert.ts';
import type { RaftLogger } from './config.ts';
import { RaftError, RaftErrorCode, errCompacted, errUnavailable } from './errors.ts';
import { UnstableLog } from './log-unstable.ts';
import { entrySizeBytes, type ReadableLog } from './storage.ts';
import type { Entry, Snapshot } from './types.ts';

export class RaftLog {
  readonly storage: ReadableLog;
  readonly unstable: UnstableLog;
  /** Highest index known to be stored on a quorum. Invariant: applying <= committed <= lastIndex(). */
  committed: number;
  /** Highest index handed to the application to apply. Invariant: applied <= applying <= committed. */
  applying: number;
  /** Highest index the application has applied. Invariant: applied <= applying. */
  applied: number;
  private readonly logger: RaftLogger;

  constructor(storage: ReadableLog, logger: RaftLogger) {
    this.storage = storage;
    this.logger = logger;
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    this.unstable = new UnstableLog(last + 1);
    // Everything up to the storage's snapshot is committed and applied by definition.
    this.committed = first - 1;
    this.applying = first - 1;
    this.applied = first - 1;
  }

  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  lastTerm(): number {
    return this.term(this.lastIndex());
  }

  /** Term of entry i; i may be firstIndex()-1. Throws RaftError Compacted or Unavailable outside the log. */
  term(i: number): number {
    const t = this.maybeTerm(i);
    if (t !== undefined) return t;
    throw i > this.lastIndex() ? errUnavailable() : errCompacted();
  }

  /**
   * Term of entry i, or undefined outside [firstIndex()-1, lastIndex()]. The hot paths use this: building a
   * RaftError (with its stack trace) for every new entry of every append would dominate the cost.
   */
  maybeTerm(i: number): number | undefined {
    const u = this.unstable.maybeTerm(i);
    if (u !== undefined) return u;
    if (i < this.firstIndex() - 1 || i > this.lastIndex()) return undefined;
    try {
      return this.storage.term(i);
    } catch (e) {
      // The storage compacted concurrently (or holds less than it claims): treat as outside the log.
      if (e instanceof RaftError) return undefined;
      throw e;
    }
  }

  /** The term at i, or 0 when i is outside the log. */
  termOrZero(i: number): number {
    return this.maybeTerm(i) ?? 0;
  }

  matchTerm(i: number, term: number): boolean {
    return this.maybeTerm(i) === term;
  }

  /** A candidate's log (lastIndex, lastTerm) is at least as up to date as ours (Raft §5.4.1). */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /**
   * Appends ents (which follow entry (index, logTerm)) if that entry matches ours, truncating a conflicting
   * suffix. Returns the last index of the new entries, or undefined when the entry does not match.
   * Throws RaftError InvalidMessage if the entries would overwrite a committed entry: a correct leader never does.
   */
  maybeAppend(index: number, logTerm: number, committed: number, ents: Entry[]): number | undefined {
    if (!this.matchTerm(index, logTerm)) return undefined;
    const lastNew = index + ents.length;
    const conflict = this.findConflict(ents);
    if (conflict !== 0) {
      if (conflict <= this.committed) {
        throw new RaftError(
          RaftErrorCode.InvalidMessage,
          `entry ${conflict} conflicts with committed entry (committed ${this.committed})`,
        );
      }
      this.append(ents.slice(conflict - (index + 1)));
    }
    this.commitTo(Math.min(committed, lastNew));
    return lastNew;
  }

  /**
   * Index of the first entry of ents that is new or disagrees with ours in term, 0 if all are already present.
   * ents must be contiguous.
   */
  findConflict(ents: Entry[]): number {
    for (const e of ents) {
      if (!this.matchTerm(e.index, e.term)) {
        if (e.index <= this.lastIndex()) {
          this.logger.info(`found conflict at index ${e.index} (existing term ${this.termOrZero(e.index)}, new ${e.term})`);
        }
        return e.index;
      }
    }
    return 0;
  }

  /**
   * Walks back from `index` to the last entry whose term is <= term, and returns it with its term. Used on both
   * sides of a rejected append to skip a whole term of mismatching entries per round trip. Stops at the log's
   * start (term 0 when compacted).
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    if (index > this.lastIndex()) return { index, term: 0 };
    for (;;) {
      const t = this.maybeTerm(index);
      if (t === undefined) return { index, term: 0 };
      if (t <= term) return { index, term: t };
      index--;
    }
  }

  append(ents: Entry[]): number {
    if (ents.length === 0) return this.lastIndex();
    const after = ents[0].index - 1;
    assert(after >= this.committed, () => `append after ${after} is below committed ${this.committed}`);
    this.unstable.truncateAndAppend(ents);
    return this.lastIndex();
  }

  commitTo(toCommit: number): void {
    if (toCommit <= this.committed) return;
    assert(toCommit <= this.lastIndex(), () => `commit ${toCommit} beyond last index ${this.lastIndex()}`);
    this.committed = toCommit;
  }

  /** Commits maxIndex if its entry has the given term (only current-term entries commit by counting). */
  maybeCommit(maxIndex: number, term: number, ignoreTerm = false): boolean {
    if (maxIndex <= this.committed || maxIndex > this.lastIndex()) return false;
    if (!ignoreTerm && this.termOrZero(maxIndex) !== term) return false;
    this.commitTo(maxIndex);
    return true;
  }

  acceptApplying(i: number): void {
    assert(i <= this.committed, () => `applying ${i} beyond committed ${this.committed}`);
    if (i > this.applying) this.applying = i;
  }

  appliedTo(i: number): void {
    if (i === 0 || i <= this.applied) return;
    assert(i <= this.committed, () => `applied ${i} beyond committed ${this.committed}`);
    this.applied = i;
    if (this.applying < i) this.applying = i;
  }

  hasNextOrInProgressSnapshot(): boolean {
    return this.unstable.snapshot !== undefined;
  }

  hasNextUnstableEntries(): boolean {
    return this.unstable.hasNextEntries();
  }

  nextUnstableEntries(): Entry[] {
    return this.unstable.nextEntries();
  }

  nextUnstableSnapshot(): Snapshot | undefined {
    return this.unstable.nextSnapshot();
  }

  /** Committed entries not yet handed out, up to maxSizeBytes (at least one). */
  nextCommittedEntries(maxSizeBytes: number): Entry[] {
    if (this.hasNextOrInProgressSnapshot()) return [];
    const lo = this.applying + 1;
    const hi = this.committed + 1;
    if (lo >= hi) return [];
    return this.slice(lo, hi, maxSizeBytes);
  }

  hasNextCommittedEntries(): boolean {
    return !this.hasNextOrInProgressSnapshot() && this.applying < this.committed;
  }

  /** Entries from i to the end, at most maxSizeBytes (at least one). */
  entries(i: number, maxSizeBytes: number): Entry[] {
    if (i > this.lastIndex()) return [];
    return this.slice(i, this.lastIndex() + 1, maxSizeBytes);
  }

  /**
   * Entries in [lo, hi), their total size capped at maxSizeBytes but always at least one entry. Throws RaftError
   * Compacted when lo is below the first index.
   */
  slice(lo: number, hi: number, maxSizeBytes: number): Entry[] {
    assert(lo <= hi, () => `slice: lo ${lo} > hi ${hi}`);
    if (lo === hi) return [];
    if (lo < this.firstIndex()) throw errCompacted();
    assert(hi <= this.lastIndex() + 1, () => `slice [${lo},${hi}) beyond last index ${this.lastIndex()}`);
    const out: Entry[] = [];
    let size = 0;
    const unstableStart = this.unstable.offset;
    if (lo < unstableStart) {
      const stored = this.storage.entries(lo, Math.min(hi, unstableStart), maxSizeBytes);
      for (const e of stored) {
        if (out.length > 0 && size + entrySizeBytes(e) > maxSizeBytes) return out;
        size += entrySizeBytes(e);
        out.push(e);
      }
      // The storage stopped early because of the size limit.
      if (out.length < Math.min(hi, unstableStart) - lo) return out;
    }
    if (hi > unstableStart) {
      for (const e of this.unstable.slice(Math.max(lo, unstableStart), hi)) {
        if (out.length > 0 && size + entrySizeBytes(e) > maxSizeBytes) return out;
        size += entrySizeBytes(e);
        out.push(e);
      }
    }
    return out;
  }

  /** The latest snapshot: the pending unstable one, or the storage's. */
  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  /** Replaces the whole log by a snapshot; everything up to it is committed. */
  restore(s: Snapshot): void {
    this.logger.info(`log restoring snapshot at index ${s.metadata.index} term ${s.metadata.term}`);
    this.committed = s.metadata.index;
    this.unstable.restore(s);
  }

  /** Marks everything handed to the driver in a Ready as in progress. */
  acceptUnstable(): void {
    this.unstable.acceptInProgress();
  }

  stableTo(index: number, term: number): void {
    this.unstable.stableTo(index, term);
  }

  stableSnapTo(index: number): void {
    this.unstable.stableSnapTo(index);
  }

  /** The application installed the snapshot at index. */
  appliedSnapshot(index: number): void {
    if (index > this.applied) this.applied = index;
    if (index > this.applying) this.applying = index;
  }
}
