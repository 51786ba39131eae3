// A simulated disk for one node. Writes land in a volatile queue and become durable only when an fsync covering
// them completes; a crash loses every unsynced write, except that a prefix of them may have reached the platter
// anyway (the model lets the seed decide how many survive, as real disks do). Each write is atomic: a WAL
// record is either whole or absent (the real WAL checks a CRC for this).
//
// The durable image is a MemoryStorage; a restart rebuilds the node's in-memory log from a copy of it.
import { assert } from '../assert.ts';
import type { SaveRequest } from '../storage.ts';
import { MemoryStorage, cloneConfState } from '../storage/index.ts';
import type { ConfState, HardState, Snapshot } from '../types.ts';

export interface DurableState {
  hardState: HardState;
  snapshot: Snapshot;
  /** Every entry after the snapshot (or after the compaction point) that is durable. */
  firstIndex: number;
  lastIndex: number;
}

export class SimDisk {
  private durable: MemoryStorage;
  private readonly unsynced: { writeId: number; request: SaveRequest }[] = [];
  private writeIdNext = 1;
  /** Counters for the report and the unit tests. */
  writes = 0;
  syncs = 0;
  lostWrites = 0;

  /**
   * @param fsyncLies a broken disk for the checkers' own tests: fsync reports success but makes nothing durable,
   *   so a crash loses acknowledged writes.
   */
  constructor(
    bootstrap?: { snapshot: Snapshot; hardState: HardState },
    private readonly fsyncLies = false,
  ) {
    this.durable = new MemoryStorage();
    if (bootstrap !== undefined) {
      this.durable.applySnapshot(bootstrap.snapshot);
      this.durable.setHardState(bootstrap.hardState);
    }
  }

  get unsyncedCount(): number {
    return this.unsynced.length;
  }

  /** Queues a write; returns its id, to be passed to `syncThrough` when the fsync that covers it completes. */
  write(request: SaveRequest): number {
    const writeId = this.writeIdNext++;
    this.unsynced.push({ writeId, request: { ...request, entries: [...request.entries] } });
    this.writes++;
    return writeId;
  }

  /** An fsync issued after write `writeId` has completed: it and every earlier write are durable. */
  syncThrough(writeId: number): void {
    this.syncs++;
    if (this.fsyncLies) return;
    while (this.unsynced.length > 0 && this.unsynced[0].writeId <= writeId) {
      this.durable.saveSync(this.unsynced.shift()!.request);
    }
  }

  /**
   * The application snapshotted at `index` and the log may be compacted up to `compactIndex`. Written as one
   * atomic, synced file (etcd's snap file), so it is durable at once. `index` must already be durable.
   */
  snapshotAndCompact(index: number, confState: ConfState, data: Uint8Array, compactIndex: number): Snapshot | undefined {
    if (index <= this.durable.snapshot().metadata.index || this.fsyncLies) return undefined;
    // Saving a snapshot syncs the log first (etcd saves the snapshot record to the WAL and fsyncs): the durable
    // commit index must never fall behind a durable snapshot.
    this.syncAll();
    assert(index <= this.durable.lastIndex(), () => `snapshot at ${index} past durable last index ${this.durable.lastIndex()}`);
    const snap = this.durable.createSnapshotSync(index, confState, data);
    if (compactIndex >= this.durable.firstIndex() && compactIndex <= index) this.durable.compactSync(compactIndex);
    return snap;
  }

  syncAll(): void {
    if (this.unsynced.length > 0) this.syncThrough(this.unsynced[this.unsynced.length - 1].writeId);
  }

  /** Power loss: the first `survivors` unsynced writes made it to disk, the rest are gone. */
  crash(survivors: number): void {
    const kept = Math.min(Math.max(0, survivors), this.unsynced.length);
    for (let k = 0; k < kept; k++) this.durable.saveSync(this.unsynced[k].request);
    this.lostWrites += this.unsynced.length - kept;
    this.unsynced.length = 0;
  }

  /** What survives a crash right now. */
  durableState(): DurableState {
    return {
      hardState: this.durable.initialState().hardState,
      snapshot: this.durable.snapshot(),
      firstIndex: this.durable.firstIndex(),
      lastIndex: this.durable.lastIndex(),
    };
  }

  durableTerm(index: number): number | undefined {
    if (index < this.durable.firstIndex() - 1 || index > this.durable.lastIndex()) return undefined;
    return this.durable.term(index);
  }

  /** A fresh in-memory log holding exactly the durable image, for the node's restart. */
  recover(): MemoryStorage {
    assert(this.unsynced.length === 0, 'recover after crash() only');
    const snap = this.durable.snapshot();
    const storage = new MemoryStorage({ confState: cloneConfState(snap.metadata.confState) });
    if (snap.metadata.index > 0) storage.applySnapshot(snap);
    const first = this.durable.firstIndex();
    const last = this.durable.lastIndex();
    if (last >= first) storage.append(this.durable.entries(first, last + 1, Number.MAX_SAFE_INTEGER));
    // Entries kept before the snapshot for slow followers are not restored: the restarted node starts at its
    // snapshot, which only means lagging peers get a snapshot from it sooner.
    assert(storage.firstIndex() === Math.max(first, snap.metadata.index + 1), 'recover: first index');
    storage.setHardState(this.durable.initialState().hardState);
    return storage;
  }
}
