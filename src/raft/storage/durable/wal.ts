// The segmented write-ahead log: files `<seq as 16 hex digits>.wal` in one directory, appended to only.
//
// Every segment opens with a SegmentHeader record carrying the snapshot metadata and hard state in force when
// it was started, so older segments can be deleted without losing either. A batch of records is one write and
// one fdatasync; where the platform has O_DSYNC the tail segment is opened with it, so that is ONE write system
// call (one thread-pool round trip instead of two: under load each round trip waits for a busy event loop to
// come back to it, which cost more than the disk itself); a segment that has grown past its size bound is closed after the batch and a new one begun.
//
// Preallocation: the tail segment is filled with zeros ahead of the write position, in the background, so a batch
// overwrites blocks the file already has and its fdatasync flushes data only. Appending past the end made every
// fdatasync commit the file system's journal too (the new size, the new blocks): with three members' WALs on one
// disk those commits queued behind each other (measured: 1,130-byte O_DSYNC writes from three processes, 213 µs
// each appending, 146 µs into zeroed space, 150 µs from one process alone). A clean close, and sealing a segment
// at rotation, cut the zeros off again, so only a crash leaves a zero tail, which replay takes as the end.
//
// Recovery (open): segments are replayed in order and every record's CRC is checked.
// - The last segment may end in a torn write (a crash in the middle of a batch that was never acknowledged):
//   an invalid record with no valid record anywhere after it is cut off, with a warning, and replay goes on.
// - An invalid record with a valid record after it, or any invalid record in an earlier (fully synced)
//   segment, is corruption of acknowledged data: open() fails with WalCorruptError rather than silently
//   dropping what follows. Choice: we would rather stop a node than have it forget acknowledged entries or
//   votes; the operator can restore the node from its peers. Known cost: a file system that wrote a later page
//   of an unsynced batch but not an earlier one makes us refuse to open, although nothing acknowledged was lost.
// - The valid-record-after check also catches a corrupt length field, which would otherwise pass as a tear.
// - Zeros from a record boundary to the end of the last segment are unused preallocated space: the clean end.
import { closeSync, constants as fsConstants, promises as fs, openSync, readSync } from 'node:fs';
import * as path from 'node:path';
import { assert } from '../../assert.ts';
import type { RaftLogger } from '../../config.ts';
import { emptyHardState, type Entry, type HardState, type SnapshotMetadata } from '../../types.ts';
import { fsyncDir } from './snapshot-file.ts';
import {
  encodeRecords,
  readFrame,
  RECORD_HEADER_BYTES,
  RecordFormatError,
  RecordType,
  SnapshotMarkerKind,
  type WalRecord,
} from './record.ts';

export const SEGMENT_SIZE_BYTES_DEFAULT = 64 * 1024 * 1024;
/** Zeros written ahead of the tail at a time, once the write position comes within half of it of their end. */
export const PREALLOCATE_CHUNK_BYTES = 4 * 1024 * 1024;
const SEGMENT_PATTERN = /^([0-9a-f]{16})\.wal$/;

export class WalCorruptError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
    reason: string,
  ) {
    super(`WAL corrupt: ${file} at byte ${offset}: ${reason}`);
    this.name = 'WalCorruptError';
  }
}

export interface WalState {
  /** The latest snapshot the WAL records (index 0: none; its confState is the bootstrap membership). */
  snapshot: SnapshotMetadata;
  hardState: HardState;
  /** Contiguous entries right after snapshot.index. */
  entries: Entry[];
  /** Where each of `entries` is in the WAL. */
  locations: WalLocation[];
}

/** Where one record is: segment file name (in the WAL's directory), byte offset and length (header included). */
export interface WalLocation {
  file: string;
  offset: number;
  length: number;
}

export interface WalStats {
  writes: number;
  fsyncs: number;
  bytes: number;
  segmentsCreated: number;
  segmentsDeleted: number;
}

interface Segment {
  seq: number;
  file: string;
  /** Highest entry index written into this segment (0 if none). */
  maxEntryIndex: number;
}

export interface WalOptions {
  logger: RaftLogger;
  segmentSizeBytes: number;
  /** The snapshot metadata a brand-new WAL starts from (index 0, with the bootstrap membership). */
  bootstrap: SnapshotMetadata;
}

export function segmentFileName(seq: number): string {
  return `${seq.toString(16).padStart(16, '0')}.wal`;
}

export class Wal {
  readonly stats: WalStats = { writes: 0, fsyncs: 0, bytes: 0, segmentsCreated: 0, segmentsDeleted: 0 };
  private closed = false;

  /** The tail segment holds written zeros (or records) up to here. */
  private allocatedBytes: number;
  /** The zeros being written ahead, if any; a batch that would reach into them waits for them. */
  private filling: Promise<void> | undefined;

  private constructor(
    private readonly dir: string,
    private readonly options: WalOptions,
    private readonly segments: Segment[],
    private handle: fs.FileHandle,
    private tailSizeBytes: number,
    fileSizeBytes: number,
  ) {
    this.allocatedBytes = fileSizeBytes;
    this.preallocate();
  }

  /** Opens (or creates) the WAL in `dir` and returns it with the state it replayed. */
  static async open(dir: string, options: WalOptions): Promise<{ wal: Wal; state: WalState }> {
    // The entries of newly made directories must be durable too, or a crash could lose the whole WAL.
    const firstMade = await fs.mkdir(dir, { recursive: true });
    if (firstMade !== undefined) {
      for (let d = path.resolve(dir); d.length >= firstMade.length; d = path.dirname(d)) await fsyncDir(path.dirname(d));
    }
    const names = (await fs.readdir(dir)).sort();
    const found = names.flatMap((name) => {
      const m = SEGMENT_PATTERN.exec(name);
      return m === null ? [] : [{ seq: parseInt(m[1], 16), file: name, maxEntryIndex: 0 }];
    });
    const replay = new Replay();
    for (let k = 0; k < found.length; k++) {
      await replaySegment(dir, found[k], k === found.length - 1, replay, options.logger);
    }
    const segments = found;
    let tail = segments.at(-1);
    let handle: fs.FileHandle;
    let size: number;
    let fileSize: number;
    if (tail === undefined || !replay.tailHasHeader) {
      // New directory, or the last segment's header never became durable: (re)write the header.
      const header = replay.headerFor(tail?.seq ?? 1, options.bootstrap);
      tail ??= { seq: 1, file: segmentFileName(1), maxEntryIndex: 0 };
      if (segments.length === 0) segments.push(tail);
      ({ handle, size } = await createSegmentFile(dir, tail.file, header));
      fileSize = size;
    } else {
      handle = await fs.open(path.join(dir, tail.file), WRITE_FLAGS);
      // Records end where replay stopped; zeros after them (preallocated before a crash) are written over.
      size = replay.tailEnd;
      fileSize = (await handle.stat()).size;
    }
    const wal = new Wal(dir, options, segments, handle, size, fileSize);
    return { wal, state: replay.result(options.bootstrap) };
  }

  /**
   * Appends records with one write and one fdatasync. `maxEntryIndex` is the highest entry index among them;
   * `current` is the snapshot and hard state in force after them (for the header of a next segment).
   */
  async append(records: readonly WalRecord[], maxEntryIndex: number, current: () => Omit<WalState, 'entries' | 'locations'>): Promise<WalLocation> {
    assert(!this.closed, 'WAL append after close');
    const tail = this.segments[this.segments.length - 1];
    const at: WalLocation = { file: tail.file, offset: this.tailSizeBytes, length: 0 };
    if (records.length === 0) return at;
    const buf = encodeRecords(records);
    at.length = buf.length;
    // Zeros being written where this batch goes would land over it.
    if (this.filling !== undefined && this.tailSizeBytes + buf.length > this.allocatedBytes) await this.filling;
    await writeFully(this.handle, buf, this.tailSizeBytes);
    if (!SYNC_WRITES) await this.handle.datasync();
    this.stats.writes++;
    this.stats.fsyncs++;
    this.stats.bytes += buf.length;
    this.tailSizeBytes += buf.length;
    this.allocatedBytes = Math.max(this.allocatedBytes, this.tailSizeBytes);
    tail.maxEntryIndex = Math.max(tail.maxEntryIndex, maxEntryIndex);
    if (this.tailSizeBytes >= this.options.segmentSizeBytes) await this.rotate(current());
    else this.preallocate();
    return at;
  }

  /**
   * Reads back the entry records at `wheres` (see append), in order, checking their CRCs; each segment file is
   * opened once per call. Every payload is a copy of its own.
   */
  readEntries(wheres: readonly WalLocation[]): Entry[] {
    assert(!this.closed, 'WAL read after close');
    const fds = new Map<string, number>();
    try {
      return wheres.map((where) => {
        let fd = fds.get(where.file);
        if (fd === undefined) {
          fd = openSync(path.join(this.dir, where.file), 'r');
          fds.set(where.file, fd);
        }
        return readEntryAt(fd, where);
      });
    } finally {
      for (const fd of fds.values()) closeSync(fd);
    }
  }

  /**
   * Starts writing the next zeros ahead of the tail when the write position nears the end of those already written
   * (never past the segment's size bound: the segment is sealed there). One fill at a time, in the background; a
   * failed fill is only a lost optimisation (appends then grow the file as before).
   */
  private preallocate(): void {
    if (this.closed || this.filling !== undefined) return;
    const chunk = Math.min(PREALLOCATE_CHUNK_BYTES, this.options.segmentSizeBytes);
    if (this.tailSizeBytes + chunk / 2 < this.allocatedBytes) return;
    const from = Math.max(this.allocatedBytes, this.tailSizeBytes);
    const to = Math.min(from + chunk, this.options.segmentSizeBytes);
    if (to <= from) return;
    const handle = this.handle;
    this.filling = writeZeros(handle, from, to)
      .then(
        () => {
          if (handle === this.handle) this.allocatedBytes = Math.max(this.allocatedBytes, to);
        },
        () => undefined,
      )
      .finally(() => {
        this.filling = undefined;
      });
  }

  /** Waits for zeros being written, then cuts the segment back to its records (sealing it, or a clean close). */
  private async trimTail(): Promise<void> {
    await this.filling;
    // The file's own size: a fill that failed half-way may have left zeros past what was counted.
    if ((await this.handle.stat()).size <= this.tailSizeBytes) return;
    await this.handle.truncate(this.tailSizeBytes);
    await this.handle.datasync();
    this.allocatedBytes = this.tailSizeBytes;
  }

  private async rotate(current: Omit<WalState, 'entries' | 'locations'>): Promise<void> {
    const seq = this.segments[this.segments.length - 1].seq + 1;
    const file = segmentFileName(seq);
    const header: WalRecord = { type: RecordType.SegmentHeader, seq, snapshot: current.snapshot, hardState: current.hardState };
    // A sealed segment ends with its last record: replay takes any invalid byte in one as corruption.
    await this.trimTail();
    const { handle, size } = await createSegmentFile(this.dir, file, header);
    await this.handle.close();
    this.handle = handle;
    this.tailSizeBytes = size;
    this.allocatedBytes = size;
    this.preallocate();
    this.segments.push({ seq, file, maxEntryIndex: 0 });
    this.stats.segmentsCreated++;
    this.stats.fsyncs += 2;
  }

  /**
   * Deletes the oldest segments whose entries are all at or below `index`, never the one being written.
   * The caller guarantees a durable snapshot at `index` or later, recorded in a later segment.
   */
  async releaseUpTo(index: number): Promise<void> {
    let deleted = 0;
    while (this.segments.length > 1 && this.segments[0].maxEntryIndex <= index) {
      const [segment] = this.segments.splice(0, 1);
      await fs.unlink(path.join(this.dir, segment.file));
      deleted++;
    }
    this.stats.segmentsDeleted += deleted;
    // No directory fsync: a deleted segment that comes back after a crash replays harmlessly.
  }

  segmentCount(): number {
    return this.segments.length;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.trimTail();
    } finally {
      await this.handle.close();
    }
  }
}

function readEntryAt(fd: number, where: WalLocation): Entry {
  const buf = Buffer.allocUnsafeSlow(where.length);
  let got = 0;
  while (got < where.length) {
    const n = readSync(fd, buf, got, where.length - got, where.offset + got);
    if (n === 0) break;
    got += n;
  }
  const frame = readFrame(buf, 0, got);
  if (frame.kind !== 'record' || frame.record.type !== RecordType.Entry) {
    throw new WalCorruptError(where.file, where.offset, `no entry record to read back (${frame.kind === 'invalid' ? frame.reason : frame.kind})`);
  }
  return frame.record.entry;
}

/** O_DSYNC: every write returns once its data (and the metadata to read it back) is on disk, as fdatasync. */
const O_DSYNC: number | undefined = (fsConstants as { O_DSYNC?: number }).O_DSYNC;
const SYNC_WRITES = O_DSYNC !== undefined;
// Positional writes (the tail is written over preallocated zeros), so no O_APPEND: Linux's pwrite would append anyway.
const WRITE_FLAGS = fsConstants.O_WRONLY | (O_DSYNC ?? 0);
const CREATE_FLAGS = fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_TRUNC | (O_DSYNC ?? 0);

const ZEROS = Buffer.alloc(1024 * 1024);

/** Writes zeros over [from, to) of the file (durably: the handle is O_DSYNC where the platform has it). */
async function writeZeros(handle: fs.FileHandle, from: number, to: number): Promise<void> {
  for (let at = from; at < to; at += ZEROS.length) await writeFully(handle, ZEROS.subarray(0, Math.min(ZEROS.length, to - at)), at);
  if (!SYNC_WRITES) await handle.datasync();
}

/** Writes all of `buf` at `position`, however many system calls it takes. */
async function writeFully(handle: fs.FileHandle, buf: Buffer, position: number): Promise<void> {
  for (let written = 0; written < buf.length; ) {
    const { bytesWritten } = await handle.write(buf, written, buf.length - written, position + written);
    written += bytesWritten;
  }
}

async function createSegmentFile(dir: string, file: string, header: WalRecord): Promise<{ handle: fs.FileHandle; size: number }> {
  const handle = await fs.open(path.join(dir, file), CREATE_FLAGS);
  try {
    const buf = encodeRecords([header]);
    await handle.write(buf, 0, buf.length, 0);
    await handle.datasync();
    await fsyncDir(dir);
    return { handle, size: buf.length };
  } catch (e) {
    await handle.close();
    throw e;
  }
}

async function replaySegment(dir: string, segment: Segment, isLast: boolean, replay: Replay, logger: RaftLogger): Promise<void> {
  const file = path.join(dir, segment.file);
  const buf = await fs.readFile(file);
  let at = 0;
  replay.tailHasHeader = false;
  while (true) {
    const frame = readFrameOrThrow(buf, at, segment.file);
    if (frame.kind === 'end') break;
    // Preallocated space the log never reached (a crash before a clean close trimmed it).
    if (frame.kind === 'invalid' && isLast && at > 0 && allZero(buf, at)) break;
    if (frame.kind === 'invalid') {
      if (!isLast) throw new WalCorruptError(segment.file, at, `${frame.reason} in a sealed segment`);
      const later = findValidRecordAfter(buf, at + 1);
      if (later !== undefined) {
        throw new WalCorruptError(segment.file, at, `${frame.reason}, followed by a valid record at byte ${later}`);
      }
      logger.warn(`wal: ${segment.file}: torn tail at byte ${at} (${frame.reason}); dropping ${buf.length - at} bytes`);
      await truncateFile(file, at);
      break;
    }
    const record = frame.record;
    if (at === 0) {
      if (record.type !== RecordType.SegmentHeader || record.seq !== segment.seq) {
        throw new WalCorruptError(segment.file, 0, 'segment does not start with its header');
      }
      replay.tailHasHeader = true;
    } else if (record.type === RecordType.SegmentHeader) {
      throw new WalCorruptError(segment.file, at, 'segment header in the middle of a segment');
    }
    if (record.type === RecordType.Entry) segment.maxEntryIndex = Math.max(segment.maxEntryIndex, record.entry.index);
    replay.apply(record, { file: segment.file, offset: at, length: frame.next - at });
    at = frame.next;
  }
  if (isLast) replay.tailEnd = at;
  if (!replay.tailHasHeader && !isLast) throw new WalCorruptError(segment.file, 0, 'empty sealed segment');
}

function allZero(buf: Buffer, from: number): boolean {
  for (let at = from; at < buf.length; at += ZEROS.length) {
    const end = Math.min(at + ZEROS.length, buf.length);
    if (!buf.subarray(at, end).equals(ZEROS.subarray(0, end - at))) return false;
  }
  return true;
}

/** A record whose CRC matches but whose payload does not parse is a bug or a foreign file, never a tear. */
function readFrameOrThrow(buf: Buffer, at: number, file: string): ReturnType<typeof readFrame> {
  try {
    return readFrame(buf, at);
  } catch (e) {
    if (e instanceof RecordFormatError) throw new WalCorruptError(file, at, e.message);
    throw e;
  }
}

/** Offset of the first valid record at or after `from`, if any: cheap checks first, CRC only on candidates. */
function findValidRecordAfter(buf: Buffer, from: number): number | undefined {
  for (let at = from; at + RECORD_HEADER_BYTES < buf.length; at++) {
    const type = buf[at + RECORD_HEADER_BYTES];
    if (type < RecordType.SegmentHeader || type > RecordType.SnapshotMarker) continue;
    const length = buf.readUInt32LE(at);
    if (length === 0 || at + RECORD_HEADER_BYTES + length > buf.length) continue;
    try {
      if (readFrame(buf, at).kind === 'record') return at;
    } catch (e) {
      if (!(e instanceof RecordFormatError)) throw e;
    }
  }
  return undefined;
}

async function truncateFile(file: string, length: number): Promise<void> {
  const handle = await fs.open(file, 'r+');
  try {
    await handle.truncate(length);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Folds records, in write order, into the latest snapshot, hard state and the entries after the snapshot. */
class Replay {
  private snapshot: SnapshotMetadata | undefined;
  private hardState: HardState = emptyHardState();
  /** Contiguous; may start before snapshot.index + 1 (trimmed at the end). */
  private entries: Entry[] = [];
  /** Where each of `entries` is. */
  private locations: WalLocation[] = [];
  tailHasHeader = false;
  /** Where the last segment's records end (a torn or preallocated tail excluded). */
  tailEnd = 0;

  apply(record: WalRecord, where: WalLocation): void {
    switch (record.type) {
      case RecordType.SegmentHeader:
        if (this.snapshot === undefined) this.snapshot = record.snapshot;
        else this.snapshotCreated(record.snapshot);
        this.hardState = record.hardState;
        return;
      case RecordType.HardState:
        this.hardState = record.hardState;
        return;
      case RecordType.SnapshotMarker:
        if (record.kind === SnapshotMarkerKind.Installed) {
          this.snapshot = record.metadata;
          this.entries = [];
          this.locations = [];
        } else {
          this.snapshotCreated(record.metadata);
        }
        return;
      case RecordType.Entry:
        this.entry(record.entry, where);
        return;
    }
  }

  private snapshotCreated(m: SnapshotMetadata): void {
    if (this.snapshot !== undefined && m.index <= this.snapshot.index) return;
    this.snapshot = m;
  }

  private entry(e: Entry, where: WalLocation): void {
    if (this.snapshot !== undefined && e.index <= this.snapshot.index) return;
    const first = this.entries.length > 0 ? this.entries[0].index : e.index;
    const next = first + this.entries.length;
    if (e.index < first || e.index > next) {
      // Before what we hold, or after a gap: earlier entries came from segments since deleted, or are covered
      // by a snapshot recorded later. result() checks that no hole is left after the snapshot.
      this.entries = [e];
      this.locations = [where];
      return;
    }
    this.entries.length = e.index - first;
    this.locations.length = e.index - first;
    this.entries.push(e);
    this.locations.push(where);
  }

  /** Header for a segment (re)started now. */
  headerFor(seq: number, bootstrap: SnapshotMetadata): WalRecord {
    return { type: RecordType.SegmentHeader, seq, snapshot: this.snapshot ?? bootstrap, hardState: this.hardState };
  }

  result(bootstrap: SnapshotMetadata): WalState {
    const snapshot = this.snapshot ?? bootstrap;
    let entries = this.entries;
    let locations = this.locations;
    if (entries.length > 0 && entries[0].index <= snapshot.index) {
      const skip = snapshot.index + 1 - entries[0].index;
      entries = entries.slice(skip);
      locations = locations.slice(skip);
    }
    if (entries.length > 0 && entries[0].index !== snapshot.index + 1) {
      throw new WalCorruptError('(replay)', 0, `entries resume at ${entries[0].index} after snapshot ${snapshot.index}: a hole`);
    }
    return { snapshot, hardState: this.hardState, entries, locations };
  }
}
