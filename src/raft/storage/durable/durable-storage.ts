// LogStorage on disk: a segmented WAL (wal.ts) for entries, hard state and snapshot markers, snapshot data in
// files of their own (snapshot-file.ts), and a MemoryStorage in front holding everything after the last
// compaction, so the core's reads stay synchronous and identical to MemoryStorage's.
//
// Writes apply to memory at once (in call order, so reads see them immediately) and are queued for disk.
// Group commit: the first write of an idle storage waits one microtask, so every save issued in the same turn
// joins it; saves arriving while a write+fsync is in flight wait and then all go out together in ONE write and
// ONE fdatasync, every one of their promises resolving after it. Cost per save falls as load rises.
//
// One exception to "durable on resolve", the same as etcd's WAL: a save that only moves the commit index (no
// entries, no snapshot, same term and vote as the last hard state written) resolves at once and its record
// rides with the next synced batch (or close()). The core marks such a Ready mustSync = false: a commit index
// lost in a crash is learned again from the leader, and it must not cost an fsync on every apply.
//
// Memory holds the payloads of the newest entries only (residentEntryBytes): once an entry is in the WAL and
// older ones take more than that, its payload is let go of and read back from the WAL when asked for (a follower
// far behind, an apply far behind). etcd keeps the whole log since the last snapshot in memory, up to 100,000
// entries with its default --snapshot-count; for 1 KiB values that alone is over 100 MiB per member.
//
// A failed disk write leaves memory ahead of disk: the storage refuses every later call (the node must stop,
// as etcd does on a WAL write error).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { silentLogger, type RaftLogger } from '../../config.ts';
import { RaftError } from '../../errors.ts';
import type { InitialState, LogStorage, SaveRequest } from '../../storage.ts';
import {
  emptyConfState,
  type ConfState,
  type Entry,
  type HardState,
  type Snapshot,
  type SnapshotMetadata,
} from '../../types.ts';
import { MemoryStorage } from '../memory-storage.ts';
import { encodedSize, RecordType, SnapshotMarkerKind, type WalRecord } from './record.ts';
import { parseSnapshotFileName, readSnapshotFile, writeSnapshotFile } from './snapshot-file.ts';
import { SEGMENT_SIZE_BYTES_DEFAULT, Wal, type WalLocation } from './wal.ts';

export interface DurableStorageOptions {
  logger?: RaftLogger;
  /** Membership to boot a brand-new directory with (as an index-0 snapshot); ignored when a WAL exists. */
  confState?: ConfState;
  /** Size after which the WAL starts a new segment. */
  segmentSizeBytes?: number;
  /** Payload bytes of written entries kept in memory; older ones are read back from the WAL. */
  residentEntryBytes?: number;
}

export const RESIDENT_ENTRY_BYTES_DEFAULT = 16 * 1024 * 1024;

export interface DurableStorageStats {
  /** save / createSnapshot / compact calls that completed. */
  requests: number;
  /** Group commits: each is one WAL write and one fdatasync. */
  batches: number;
  /** fdatasync/fsync calls on WAL segments (batches plus segment creation). */
  walFsyncs: number;
  entries: number;
  bytes: number;
  segmentsCreated: number;
  segmentsDeleted: number;
  snapshotsWritten: number;
  /** Payload bytes of written entries still held in memory (bounded by residentEntryBytes). */
  residentEntryBytes: number;
}

interface Pending {
  records: WalRecord[];
  maxEntryIndex: number;
  entryCount: number;
  /** Snapshot data to make durable before this request's records. */
  snapshotFile?: Snapshot;
  /** Compaction point: WAL segments wholly at or below it (and the durable snapshot) may go. */
  releaseUpTo?: number;
  /** Commit-only hard state: already resolved; written with the next synced batch. */
  lazy?: boolean;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class DurableStorage implements LogStorage {
  private queue: Pending[] = [];
  /** Queued requests that wait for an fsync (all but the lazy ones): only these start a batch. */
  private syncQueued = 0;
  private flushing: Promise<void> | undefined;
  private failure: unknown;
  private closed = false;
  private counters = { requests: 0, batches: 0, entries: 0, snapshotsWritten: 0 };
  /** The last hard state handed to save (queued or written): decides whether a save needs an fsync. */
  private lastHardState: HardState;
  /** Entries in the WAL whose payloads memory still holds, oldest first from `residentHead`. */
  private resident: Array<{ entry: Entry; where: WalLocation } | undefined> = [];
  private residentHead = 0;
  private residentBytes = 0;
  /** The read cache: everything after the last compaction, payloads released past residentBytesMax. */
  private readonly mem: MemoryStorage;

  private constructor(
    private readonly dir: string,
    private readonly wal: Wal,
    private readonly logger: RaftLogger,
    private readonly residentBytesMax: number,
    /** What the WAL holds durably: headers of new segments carry these. */
    private durableSnapshot: SnapshotMetadata,
    private durableHardState: HardState,
  ) {
    this.lastHardState = durableHardState;
    this.mem = new MemoryStorage({
      confState: durableSnapshot.confState,
      reload: (released) => this.wal.readEntries(released.map((e) => e.where as WalLocation)),
    });
  }

  /** Opens the storage in `dir` (created if missing), replaying and verifying its WAL. */
  static async open(dir: string, options: DurableStorageOptions = {}): Promise<DurableStorage> {
    const logger = options.logger ?? silentLogger;
    const bootstrap: SnapshotMetadata = { index: 0, term: 0, confState: options.confState ?? emptyConfState() };
    const { wal, state } = await Wal.open(dir, {
      logger,
      bootstrap,
      segmentSizeBytes: options.segmentSizeBytes ?? SEGMENT_SIZE_BYTES_DEFAULT,
    });
    try {
      const storage = new DurableStorage(dir, wal, logger, options.residentEntryBytes ?? RESIDENT_ENTRY_BYTES_DEFAULT, state.snapshot, state.hardState);
      const mem = storage.mem;
      if (state.snapshot.index > 0) mem.applySnapshot(await readSnapshotFile(dir, state.snapshot));
      // Replayed payloads are views of whole segment files: the newest, which stay, are copied; the others are
      // released at once (releaseOverBudget), so no segment file stays in memory.
      let keepFrom = state.entries.length;
      let kept = 0;
      while (keepFrom > 0 && kept + state.entries[keepFrom - 1].data.length <= storage.residentBytesMax) {
        keepFrom--;
        kept += state.entries[keepFrom].data.length;
      }
      const entries = state.entries.map((e, k) => (k < keepFrom ? e : { ...e, data: e.data.slice() }));
      mem.append(entries);
      entries.forEach((e, k) => storage.noteWritten(e, state.locations[k]));
      storage.releaseOverBudget();
      mem.setHardState(state.hardState);
      await removeSnapshotFilesExcept(dir, state.snapshot);
      logger.info(
        `storage: opened ${dir}: snapshot ${state.snapshot.index}, entries ${mem.firstIndex()}..${mem.lastIndex()}, ` +
          `${wal.segmentCount()} segment(s)`,
      );
      return storage;
    } catch (e) {
      await wal.close();
      throw e;
    }
  }

  stats(): DurableStorageStats {
    const w = this.wal.stats;
    return {
      ...this.counters,
      walFsyncs: w.fsyncs,
      bytes: w.bytes,
      segmentsCreated: w.segmentsCreated,
      segmentsDeleted: w.segmentsDeleted,
      residentEntryBytes: this.residentBytes,
    };
  }

  // ---- ReadableLog: all from memory ----

  initialState(): InitialState {
    return this.mem.initialState();
  }
  entries(lo: number, hi: number, maxSizeBytes: number): Entry[] {
    return this.mem.entries(lo, hi, maxSizeBytes);
  }
  term(i: number): number {
    return this.mem.term(i);
  }
  firstIndex(): number {
    return this.mem.firstIndex();
  }
  lastIndex(): number {
    return this.mem.lastIndex();
  }
  snapshot(): Snapshot {
    return this.mem.snapshot();
  }

  // ---- Writes ----

  async save(request: SaveRequest): Promise<void> {
    this.checkUsable();
    try {
      this.mem.saveSync(request);
    } catch (e) {
      // A RaftError (SnapOutOfDate) changed nothing. Anything else is an assertion failure: memory may be half
      // updated (snapshot installed, entries not), so refuse every later write.
      if (!(e instanceof RaftError)) this.failure = e;
      throw e;
    }
    const records: WalRecord[] = [];
    if (request.snapshot !== undefined) {
      records.push({ type: RecordType.SnapshotMarker, kind: SnapshotMarkerKind.Installed, metadata: request.snapshot.metadata });
    }
    const first = this.mem.firstIndex();
    let maxEntryIndex = 0;
    let entryCount = 0;
    for (const entry of request.entries) {
      if (entry.index < first) continue; // compacted: MemoryStorage ignored it too
      records.push({ type: RecordType.Entry, entry });
      maxEntryIndex = entry.index;
      entryCount++;
    }
    const hs = request.hardState;
    if (hs !== undefined) records.push({ type: RecordType.HardState, hardState: { ...hs } });
    if (records.length === 1 && hs !== undefined && hs.term === this.lastHardState.term && hs.vote === this.lastHardState.vote) {
      this.lastHardState = hs;
      this.queue.push({ records, maxEntryIndex: 0, entryCount: 0, lazy: true, resolve() {}, reject() {} });
      return;
    }
    if (hs !== undefined) this.lastHardState = hs;
    return this.enqueue({ records, maxEntryIndex, entryCount, snapshotFile: request.snapshot });
  }

  async createSnapshot(index: number, confState: ConfState, data: Uint8Array): Promise<Snapshot> {
    this.checkUsable();
    const snap = this.mem.createSnapshotSync(index, confState, data);
    const marker: WalRecord = { type: RecordType.SnapshotMarker, kind: SnapshotMarkerKind.Created, metadata: snap.metadata };
    await this.enqueue({ records: [marker], maxEntryIndex: 0, entryCount: 0, snapshotFile: snap });
    return snap;
  }

  /**
   * Discards entries up to and including `index` from memory at once; WAL segments go once they hold nothing
   * after min(index, latest durable snapshot), so a restart can always rebuild from snapshot + WAL.
   */
  async compact(index: number): Promise<void> {
    this.checkUsable();
    this.mem.compactSync(index);
    await this.enqueue({ records: [], maxEntryIndex: 0, entryCount: 0, releaseUpTo: index });
  }

  /** Waits for queued writes, then releases the file handle. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.queue.length > 0) this.flushing ??= this.flushLoop(); // lazy records still to write
    await this.flushing;
    await this.wal.close();
  }

  // ---- Payloads in memory ----

  private noteWritten(entry: Entry, where: WalLocation): void {
    this.resident.push({ entry, where });
    this.residentBytes += entry.data.length;
  }

  /** Lets go of the oldest written payloads while they take more than the budget. */
  private releaseOverBudget(): void {
    while (this.residentBytes > this.residentBytesMax && this.residentHead < this.resident.length) {
      const item = this.resident[this.residentHead];
      this.resident[this.residentHead++] = undefined;
      if (item === undefined) continue;
      this.residentBytes -= item.entry.data.length;
      this.mem.releasePayload(item.entry, item.where);
    }
    if (this.residentHead > 1024 && this.residentHead * 2 > this.resident.length) {
      this.resident = this.resident.slice(this.residentHead);
      this.residentHead = 0;
    }
  }

  private checkUsable(): void {
    if (this.closed) throw new Error(`storage ${this.dir} is closed`);
    if (this.failure !== undefined) throw new Error(`storage ${this.dir} failed earlier: ${String(this.failure)}`);
  }

  // ---- Group commit ----

  private enqueue(request: Omit<Pending, 'resolve' | 'reject'>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ ...request, resolve, reject });
      this.syncQueued++;
      this.flushing ??= this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    await Promise.resolve(); // saves issued in this same turn join the first batch
    // Lazy records alone never make a batch: they wait for the next synced one, or close().
    while (this.queue.length > 0 && (this.syncQueued > 0 || this.closed)) {
      const batch = this.queue;
      this.queue = [];
      this.syncQueued = 0;
      try {
        await this.writeBatch(batch);
      } catch (e) {
        this.failure = e;
        this.logger.warn(`storage: ${this.dir}: write failed, refusing further writes: ${String(e)}`);
        for (const p of [...batch, ...this.queue]) if (p.lazy !== true) p.reject(e);
        this.queue = [];
        this.syncQueued = 0;
        break;
      }
      for (const p of batch) if (p.lazy !== true) p.resolve();
    }
    this.flushing = undefined;
  }

  private async writeBatch(batch: readonly Pending[]): Promise<void> {
    // Only the newest snapshot's data matters: replay loads the file of the last marker only.
    let newestSnapshot: Snapshot | undefined;
    for (const p of batch) newestSnapshot = p.snapshotFile ?? newestSnapshot;
    if (newestSnapshot !== undefined) {
      await writeSnapshotFile(this.dir, newestSnapshot);
      this.counters.snapshotsWritten++;
    }
    const records: WalRecord[] = [];
    let maxEntryIndex = 0;
    let entryCount = 0;
    let snapshot = this.durableSnapshot;
    let hardState = this.durableHardState;
    let releaseUpTo: number | undefined;
    for (const p of batch) {
      for (const r of p.records) {
        records.push(r);
        if (r.type === RecordType.HardState) hardState = r.hardState;
        else if (r.type === RecordType.SnapshotMarker) {
          if (r.kind === SnapshotMarkerKind.Installed || r.metadata.index > snapshot.index) snapshot = r.metadata;
        }
      }
      maxEntryIndex = Math.max(maxEntryIndex, p.maxEntryIndex);
      entryCount += p.entryCount;
      if (p.releaseUpTo !== undefined) releaseUpTo = Math.max(releaseUpTo ?? 0, p.releaseUpTo);
    }
    const at = await this.wal.append(records, maxEntryIndex, () => ({ snapshot, hardState }));
    let offset = at.offset;
    for (const r of records) {
      const length = encodedSize(r);
      if (r.type === RecordType.Entry) this.noteWritten(r.entry, { file: at.file, offset, length });
      offset += length;
    }
    this.releaseOverBudget();
    const snapshotMoved = snapshot !== this.durableSnapshot;
    this.durableSnapshot = snapshot;
    this.durableHardState = hardState;
    if (records.length > 0) this.counters.batches++;
    this.counters.requests += batch.length;
    this.counters.entries += entryCount;
    if (snapshotMoved) await removeSnapshotFilesExcept(this.dir, snapshot);
    if (releaseUpTo !== undefined) await this.wal.releaseUpTo(Math.min(releaseUpTo, this.durableSnapshot.index));
  }
}

/** Deletes snapshot files other than the current one, and leftover temp files. */
async function removeSnapshotFilesExcept(dir: string, current: SnapshotMetadata): Promise<void> {
  for (const name of await fs.readdir(dir)) {
    const parsed = parseSnapshotFileName(name);
    const stale = name.endsWith('.tmp') || (parsed !== undefined && (parsed.index !== current.index || parsed.term !== current.term));
    if (stale) await fs.rm(path.join(dir, name), { force: true });
  }
}
