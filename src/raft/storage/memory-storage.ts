// A log held entirely in memory: the reference LogStorage, the simulator's disk, and the read cache that the
// durable storage keeps in front of its WAL.
//
// Layout: `ents[0]` is a dummy standing for the last discarded entry (after a snapshot or a compaction); only
// its index and term are meaningful. So firstIndex() = ents[0].index + 1 and term(firstIndex() - 1) still
// answers, which the core needs to check the entry preceding a MsgApp.
//
// Entries handed in are kept by reference and handed out by reference: callers treat them as immutable.
//
// A storage with a `reload` hook may let go of the payloads of old entries (releasePayload): the entry stays as
// a stub that knows its size, and entries() hands out the payload read back through the hook. DurableStorage
// does this for entries already in its WAL, so memory does not grow with the log between snapshots.
//
// Pure: no clock, no I/O. Every write is synchronous; `save` resolves at once.
import { assert } from '../assert.ts';
import { errCompacted, errSnapOutOfDate, errUnavailable } from '../errors.ts';
import type { InitialState, LogStorage, SaveRequest } from '../storage.ts';
import { entrySizeBytes } from '../storage.ts';
import {
  emptyConfState,
  emptyHardState,
  EntryType,
  type ConfState,
  type Entry,
  type HardState,
  type Snapshot,
} from '../types.ts';

/** An entry whose payload was let go of: `payloadBytes` is its size, `where` tells the reload hook where it is. */
export interface ReleasedEntry extends Entry {
  readonly payloadBytes: number;
  readonly where: unknown;
}

/** Reads released entries back (same indexes, terms and types, with their payloads), in the order given. */
export type ReloadEntries = (released: readonly ReleasedEntry[]) => Entry[];

export interface MemoryStorageOptions {
  /**
   * The membership to boot with, as if installed by an index-0 snapshot (etcd's bootstrap): lets a fresh
   * cluster start with its voters known and an empty log.
   */
  confState?: ConfState;
  /** Makes releasePayload possible: how released entries are read back. */
  reload?: ReloadEntries;
}

const EMPTY = new Uint8Array(0);

export class MemoryStorage implements LogStorage {
  private hardState: HardState = emptyHardState();
  private snap: Snapshot;
  /** ents[0] is the dummy entry (index and term of the last discarded entry); real entries follow. */
  private ents: Entry[];
  private readonly reload: ReloadEntries | undefined;

  constructor(options: MemoryStorageOptions = {}) {
    this.reload = options.reload;
    this.snap = {
      metadata: { index: 0, term: 0, confState: cloneConfState(options.confState ?? emptyConfState()) },
      data: EMPTY,
    };
    this.ents = [dummyEntry(0, 0)];
  }

  // ---- ReadableLog ----

  initialState(): InitialState {
    return { hardState: { ...this.hardState }, confState: cloneConfState(this.snap.metadata.confState) };
  }

  entries(lo: number, hi: number, maxSizeBytes: number): Entry[] {
    const offset = this.ents[0].index;
    if (lo <= offset) throw errCompacted();
    assert(lo <= hi, () => `entries: lo ${lo} > hi ${hi}`);
    assert(hi <= this.lastIndex() + 1, () => `entries: hi ${hi} is past lastIndex ${this.lastIndex()} + 1`);
    if (this.ents.length === 1) throw errUnavailable();
    const list = limitSize(this.ents, lo - offset, hi - offset, maxSizeBytes);
    return this.reload === undefined ? list : withPayloads(list, this.reload);
  }

  term(i: number): number {
    const offset = this.ents[0].index;
    if (i < offset) throw errCompacted();
    if (i - offset >= this.ents.length) throw errUnavailable();
    return this.ents[i - offset].term;
  }

  firstIndex(): number {
    return this.ents[0].index + 1;
  }

  lastIndex(): number {
    return this.ents[0].index + this.ents.length - 1;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  // ---- LogStorage ----

  /** Applies snapshot, then entries, then hard state, synchronously; resolves at once (nothing to sync). */
  async save(request: SaveRequest): Promise<void> {
    this.saveSync(request);
  }

  async createSnapshot(index: number, confState: ConfState, data: Uint8Array): Promise<Snapshot> {
    return this.createSnapshotSync(index, confState, data);
  }

  async compact(index: number): Promise<void> {
    this.compactSync(index);
  }

  async close(): Promise<void> {}

  /**
   * Lets go of the payload of the entry at `index` if `entry` is still the one held there (not truncated, not
   * compacted): it becomes a stub that entries() reads back through the reload hook with `where`.
   * Returns whether it was released.
   */
  releasePayload(entry: Entry, where: unknown): boolean {
    assert(this.reload !== undefined, 'releasePayload without a reload hook');
    const at = entry.index - this.ents[0].index;
    if (at < 1 || at >= this.ents.length || this.ents[at] !== entry) return false;
    const stub: ReleasedEntry = { index: entry.index, term: entry.term, type: entry.type, data: EMPTY, payloadBytes: entry.data.length, where };
    this.ents[at] = stub;
    return true;
  }

  // ---- Synchronous writes (tests, the simulator, and DurableStorage's read cache) ----

  saveSync(request: SaveRequest): void {
    if (request.snapshot !== undefined) this.applySnapshot(request.snapshot);
    if (request.entries.length > 0) this.append(request.entries);
    if (request.hardState !== undefined) this.setHardState(request.hardState);
  }

  setHardState(hs: HardState): void {
    this.hardState = { ...hs };
  }

  /** Replaces the membership recorded with the current snapshot (bootstrap helper). */
  setConfState(cs: ConfState): void {
    this.snap = { metadata: { ...this.snap.metadata, confState: cloneConfState(cs) }, data: this.snap.data };
  }

  /**
   * Installs a snapshot received from the leader: every entry is discarded, the snapshot's index and term
   * become the dummy. Throws SnapOutOfDate unless it is newer than the current snapshot.
   */
  applySnapshot(snap: Snapshot): void {
    if (snap.metadata.index <= this.snap.metadata.index) throw errSnapOutOfDate();
    this.snap = snap;
    this.ents = [dummyEntry(snap.metadata.index, snap.metadata.term)];
  }

  /**
   * Appends entries, which must be contiguous. Entries at or below the dummy are ignored (already compacted);
   * any existing entry at or after entries[0].index is replaced (a conflicting suffix is truncated).
   */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    for (let k = 1; k < entries.length; k++) {
      assert(entries[k].index === entries[k - 1].index + 1, () => `append: entries not contiguous at ${k}`);
    }
    const first = this.firstIndex();
    const last = entries[0].index + entries.length - 1;
    if (last < first) return;
    const fresh = first > entries[0].index ? entries.slice(first - entries[0].index) : entries;
    const at = fresh[0].index - this.ents[0].index;
    assert(at <= this.ents.length, () => `append: missing log entries [last ${this.lastIndex()}, append at ${fresh[0].index}]`);
    if (at < this.ents.length) this.ents.length = at;
    for (const e of fresh) this.ents.push(e);
  }

  /**
   * Records an application snapshot at `index` (which must be in the log) without discarding any entry.
   * Throws SnapOutOfDate unless `index` is past the current snapshot.
   */
  createSnapshotSync(index: number, confState: ConfState, data: Uint8Array): Snapshot {
    if (index <= this.snap.metadata.index) throw errSnapOutOfDate();
    assert(index <= this.lastIndex(), () => `createSnapshot: index ${index} > lastIndex ${this.lastIndex()}`);
    const term = this.ents[index - this.ents[0].index].term;
    this.snap = { metadata: { index, term, confState: cloneConfState(confState) }, data };
    return this.snap;
  }

  /**
   * Discards the entries up to and including `index`, which becomes the dummy (its term stays readable);
   * firstIndex() becomes index + 1, as in etcd's MemoryStorage.Compact. Throws Compacted if already gone.
   */
  compactSync(index: number): void {
    const offset = this.ents[0].index;
    if (index <= offset) throw errCompacted();
    assert(index <= this.lastIndex(), () => `compact: index ${index} > lastIndex ${this.lastIndex()}`);
    const at = index - offset;
    const kept = this.ents.slice(at + 1);
    this.ents = [dummyEntry(index, this.ents[at].term), ...kept];
  }
}

function dummyEntry(index: number, term: number): Entry {
  return { index, term, type: EntryType.Normal, data: EMPTY };
}

function isReleased(e: Entry): e is ReleasedEntry {
  return (e as Partial<ReleasedEntry>).payloadBytes !== undefined;
}

/** The size entrySizeBytes gives the entry with its payload. */
function heldSizeBytes(e: Entry): number {
  return isReleased(e) ? e.payloadBytes + entrySizeBytes(e) : entrySizeBytes(e);
}

/** `list` with every released entry replaced by the one read back. */
function withPayloads(list: Entry[], reload: ReloadEntries): Entry[] {
  if (!list.some(isReleased)) return list; // the common case: recent entries, nothing to read
  const released = list.filter(isReleased);
  const loaded = reload(released);
  assert(loaded.length === released.length, 'reload: wrong number of entries');
  let k = 0;
  return list.map((e) => {
    if (!isReleased(e)) return e;
    const got = loaded[k++];
    assert(got.index === e.index && got.term === e.term && got.type === e.type && got.data.length === e.payloadBytes, () => `reload: entry ${e.index}/${e.term} came back as ${got.index}/${got.term} with ${got.data.length} bytes`);
    return got;
  });
}

/** ents[from, to) truncated to maxSizeBytes, keeping at least the first. */
function limitSize(ents: readonly Entry[], from: number, to: number, maxSizeBytes: number): Entry[] {
  if (from >= to) return [];
  let size = heldSizeBytes(ents[from]);
  let end = from + 1;
  while (end < to) {
    size += heldSizeBytes(ents[end]);
    if (size > maxSizeBytes) break;
    end++;
  }
  return ents.slice(from, end);
}

export function cloneConfState(cs: ConfState): ConfState {
  return {
    voters: [...cs.voters],
    learners: [...cs.learners],
    votersOutgoing: [...cs.votersOutgoing],
    learnersNext: [...cs.learnersNext],
    autoLeave: cs.autoLeave,
  };
}
