// The log storage contract between the Raft core and the disk.
//
// The core reads synchronously (term lookups sit on every message path); so every implementation keeps the
// entries after its last compaction readable without waiting: from memory, or (DurableStorage, for older entries
// whose payloads it let go of) with a synchronous read of the WAL. Writes are batched: many
// `save` calls may share one fsync (group commit), and a save's promise resolves only once it is durable.
import type { ConfState, Entry, HardState, Snapshot } from './types.ts';

export interface InitialState {
  hardState: HardState;
  confState: ConfState;
}

/** Read side, used by the core. Throws RaftError Compacted / Unavailable for indexes out of range. */
export interface ReadableLog {
  initialState(): InitialState;
  /** Entries in [lo, hi), at least one if any exist, total encoded size up to maxSizeBytes. */
  entries(lo: number, hi: number, maxSizeBytes: number): Entry[];
  /** Term of the entry at i; i may be firstIndex()-1 (the snapshot's term). */
  term(i: number): number;
  /** Index of the first entry still available (snapshot index + 1). */
  firstIndex(): number;
  lastIndex(): number;
  /** The most recent snapshot. May throw SnapshotTemporarilyUnavailable. */
  snapshot(): Snapshot;
}

export interface SaveRequest {
  hardState?: HardState;
  /** Appended after truncating any existing entries at or after entries[0].index. */
  entries: Entry[];
  /** Installed first: discards every entry up to its index and everything that conflicts with it. */
  snapshot?: Snapshot;
}

/** Write side, used by the driver that handles Ready. */
export interface LogStorage extends ReadableLog {
  /** Durable when the promise resolves (fsync done, possibly shared with concurrent saves). */
  save(request: SaveRequest): Promise<void>;
  /**
   * Records an application snapshot at `index` (which must be applied) and allows entries up to
   * `index` to be discarded. Entries after it stay.
   */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Promise<Snapshot>;
  /**
   * Discards entries up to and including `index`: entry `index` becomes the dummy that keeps its term
   * readable, so afterwards term(index) works and firstIndex() is index + 1 (etcd's semantics).
   */
  compact(index: number): Promise<void>;
  close(): Promise<void>;
}

/** Approximate encoded size of an entry, used for maxSizePerMsg and batching limits. */
export function entrySizeBytes(e: Entry): number {
  return e.data.length + 24;
}
