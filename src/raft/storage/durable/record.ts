// The WAL's record format, our own.
//
//   record   = length u32 LE | crc u32 LE | type u8 | payload
//   length   = 1 + payload length (so never 0: a run of zero bytes is never a record)
//   crc      = CRC-32 of type | payload
//
// Payloads (integers little-endian; u64 numbers are written as two u32 halves, low first, and must be safe
// integers; node IDs are real u64):
//   SegmentHeader  magic u32 | version u8 | seq u64 | snapshot metadata | hard state
//   Entry          index u64 | term u64 | entry type u8 | data (the rest)
//   HardState      term u64 | vote u64 | commit u64
//   SnapshotMarker kind u8 | snapshot metadata    (the data is in the snapshot file named by index and term)
//   metadata       index u64 | term u64 | autoLeave u8 | 4 x (count u32 | count x u64): voters, learners,
//                  votersOutgoing, learnersNext
import { assert } from '../../assert.ts';
import type { ConfState, Entry, EntryType, HardState, SnapshotMetadata } from '../../types.ts';
import { crc32 } from './crc32.ts';

export const RECORD_HEADER_BYTES = 8;
export const SEGMENT_MAGIC = 0x4c575142; // "BQWL"
export const SEGMENT_VERSION = 1;
/** Bound on one record, so a corrupt length cannot make us allocate or scan gigabytes. */
export const RECORD_SIZE_BYTES_MAX = 512 * 1024 * 1024;

export enum RecordType {
  SegmentHeader = 1,
  Entry = 2,
  HardState = 3,
  SnapshotMarker = 4,
}

export enum SnapshotMarkerKind {
  /** An application snapshot of entries already in the log (createSnapshot): later entries stay. */
  Created = 0,
  /** A snapshot from the leader (save with snapshot): every earlier entry is discarded. */
  Installed = 1,
}

export type WalRecord =
  | { type: RecordType.SegmentHeader; seq: number; snapshot: SnapshotMetadata; hardState: HardState }
  | { type: RecordType.Entry; entry: Entry }
  | { type: RecordType.HardState; hardState: HardState }
  | { type: RecordType.SnapshotMarker; kind: SnapshotMarkerKind; metadata: SnapshotMetadata };

// ---- Encoding ----

function metadataSize(m: SnapshotMetadata): number {
  const cs = m.confState;
  const ids = cs.voters.length + cs.learners.length + cs.votersOutgoing.length + cs.learnersNext.length;
  return 8 + 8 + 1 + 4 * 4 + 8 * ids;
}

function payloadSize(r: WalRecord): number {
  switch (r.type) {
    case RecordType.SegmentHeader:
      return 4 + 1 + 8 + metadataSize(r.snapshot) + 24;
    case RecordType.Entry:
      return 17 + r.entry.data.length;
    case RecordType.HardState:
      return 24;
    case RecordType.SnapshotMarker:
      return 1 + metadataSize(r.metadata);
  }
}

export function encodedSize(r: WalRecord): number {
  return RECORD_HEADER_BYTES + 1 + payloadSize(r);
}

/** Encodes records back to back into one buffer: one write for a whole batch. */
export function encodeRecords(records: readonly WalRecord[]): Buffer {
  let total = 0;
  for (const r of records) total += encodedSize(r);
  const buf = Buffer.allocUnsafe(total);
  let at = 0;
  for (const r of records) at = encodeRecordAt(buf, at, r);
  assert(at === total, 'encodeRecords: size mismatch');
  return buf;
}

function encodeRecordAt(buf: Buffer, start: number, r: WalRecord): number {
  const length = 1 + payloadSize(r);
  assert(length <= RECORD_SIZE_BYTES_MAX, () => `WAL record of ${length} bytes is over the bound`);
  const w = new Writer(buf, start + RECORD_HEADER_BYTES);
  w.u8(r.type);
  switch (r.type) {
    case RecordType.SegmentHeader:
      w.u32(SEGMENT_MAGIC);
      w.u8(SEGMENT_VERSION);
      w.u64(r.seq);
      w.metadata(r.snapshot);
      w.hardState(r.hardState);
      break;
    case RecordType.Entry:
      w.u64(r.entry.index);
      w.u64(r.entry.term);
      w.u8(r.entry.type);
      w.bytes(r.entry.data);
      break;
    case RecordType.HardState:
      w.hardState(r.hardState);
      break;
    case RecordType.SnapshotMarker:
      w.u8(r.kind);
      w.metadata(r.metadata);
      break;
  }
  assert(w.at === start + RECORD_HEADER_BYTES + length, 'encodeRecord: payload size mismatch');
  buf.writeUInt32LE(length, start);
  buf.writeUInt32LE(crc32(buf.subarray(start + RECORD_HEADER_BYTES, w.at)), start + 4);
  return w.at;
}

class Writer {
  constructor(
    private readonly buf: Buffer,
    public at: number,
  ) {}
  u8(v: number): void {
    this.buf[this.at++] = v;
  }
  u32(v: number): void {
    this.buf.writeUInt32LE(v >>> 0, this.at);
    this.at += 4;
  }
  u64(v: number): void {
    assert(Number.isSafeInteger(v) && v >= 0, () => `WAL: ${v} is not a non-negative safe integer`);
    const low = v % 0x1_0000_0000;
    this.buf.writeUInt32LE(low, this.at);
    this.buf.writeUInt32LE((v - low) / 0x1_0000_0000, this.at + 4);
    this.at += 8;
  }
  id(v: bigint): void {
    this.buf.writeBigUInt64LE(v, this.at);
    this.at += 8;
  }
  bytes(b: Uint8Array): void {
    this.buf.set(b, this.at);
    this.at += b.length;
  }
  ids(list: readonly bigint[]): void {
    this.u32(list.length);
    for (const id of list) this.id(id);
  }
  metadata(m: SnapshotMetadata): void {
    this.u64(m.index);
    this.u64(m.term);
    this.u8(m.confState.autoLeave ? 1 : 0);
    this.ids(m.confState.voters);
    this.ids(m.confState.learners);
    this.ids(m.confState.votersOutgoing);
    this.ids(m.confState.learnersNext);
  }
  hardState(h: HardState): void {
    this.u64(h.term);
    this.id(h.vote);
    this.u64(h.commit);
  }
}

// ---- Decoding ----

/** Payload bytes that do not parse although their CRC matched: a bug or a foreign file, never a torn write. */
export class RecordFormatError extends Error {}

export type FrameResult =
  | { kind: 'record'; record: WalRecord; next: number }
  | { kind: 'end' }
  /** Not a valid record at this offset: torn (runs past the end) or corrupt (bad length, type or CRC). */
  | { kind: 'invalid'; reason: string };

/** Reads the record framed at `at`; `end` is the end of valid file bytes. */
export function readFrame(buf: Buffer, at: number, end = buf.length): FrameResult {
  if (at === end) return { kind: 'end' };
  if (end - at < RECORD_HEADER_BYTES + 1) return { kind: 'invalid', reason: 'truncated record header' };
  const length = buf.readUInt32LE(at);
  if (length === 0 || length > RECORD_SIZE_BYTES_MAX) return { kind: 'invalid', reason: `bad length ${length}` };
  const bodyStart = at + RECORD_HEADER_BYTES;
  if (bodyStart + length > end) return { kind: 'invalid', reason: `record of ${length} bytes runs past the end` };
  const type = buf[bodyStart];
  if (!(type in RecordType)) return { kind: 'invalid', reason: `unknown record type ${type}` };
  const body = buf.subarray(bodyStart, bodyStart + length);
  if (crc32(body) !== buf.readUInt32LE(at + 4)) return { kind: 'invalid', reason: 'CRC mismatch' };
  return { kind: 'record', record: decodeBody(body), next: bodyStart + length };
}

function decodeBody(body: Buffer): WalRecord {
  const r = new Reader(body, 1);
  const type = body[0] as RecordType;
  let record: WalRecord;
  switch (type) {
    case RecordType.SegmentHeader: {
      const magic = r.u32();
      const version = r.u8();
      if (magic !== SEGMENT_MAGIC || version !== SEGMENT_VERSION) {
        throw new RecordFormatError(`segment header: magic ${magic.toString(16)} version ${version}`);
      }
      record = { type, seq: r.u64(), snapshot: r.metadata(), hardState: r.hardState() };
      break;
    }
    case RecordType.Entry: {
      const index = r.u64();
      const term = r.u64();
      const entryType = r.u8() as EntryType;
      // Copy: the entry outlives the file buffer, which is large.
      record = { type, entry: { index, term, type: entryType, data: new Uint8Array(r.rest()) } };
      break;
    }
    case RecordType.HardState:
      record = { type, hardState: r.hardState() };
      break;
    case RecordType.SnapshotMarker: {
      const kind = r.u8();
      if (!(kind in SnapshotMarkerKind)) throw new RecordFormatError(`snapshot marker kind ${kind}`);
      record = { type, kind, metadata: r.metadata() };
      break;
    }
    default:
      throw new RecordFormatError(`record type ${String(type)}`);
  }
  if (!r.done()) throw new RecordFormatError(`record type ${type}: ${body.length - r.at} trailing bytes`);
  return record;
}

class Reader {
  constructor(
    private readonly buf: Buffer,
    public at: number,
  ) {}
  private need(n: number): void {
    if (this.at + n > this.buf.length) throw new RecordFormatError('record payload too short');
  }
  u8(): number {
    this.need(1);
    return this.buf[this.at++];
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.at);
    this.at += 4;
    return v;
  }
  u64(): number {
    this.need(8);
    const v = this.buf.readUInt32LE(this.at) + this.buf.readUInt32LE(this.at + 4) * 0x1_0000_0000;
    if (!Number.isSafeInteger(v)) throw new RecordFormatError('u64 out of safe range');
    this.at += 8;
    return v;
  }
  id(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64LE(this.at);
    this.at += 8;
    return v;
  }
  ids(): bigint[] {
    const n = this.u32();
    this.need(8 * n);
    const out: bigint[] = [];
    for (let i = 0; i < n; i++) out.push(this.id());
    return out;
  }
  rest(): Buffer {
    const b = this.buf.subarray(this.at);
    this.at = this.buf.length;
    return b;
  }
  done(): boolean {
    return this.at === this.buf.length;
  }
  metadata(): SnapshotMetadata {
    const index = this.u64();
    const term = this.u64();
    const autoLeave = this.u8() === 1;
    const confState: ConfState = {
      voters: this.ids(),
      learners: this.ids(),
      votersOutgoing: this.ids(),
      learnersNext: this.ids(),
      autoLeave,
    };
    return { index, term, confState };
  }
  hardState(): HardState {
    return { term: this.u64(), vote: this.id(), commit: this.u64() };
  }
}

// ---- Metadata on its own (the snapshot file's header) ----

export function encodeMetadata(m: SnapshotMetadata): Buffer {
  const buf = Buffer.allocUnsafe(metadataSize(m));
  const w = new Writer(buf, 0);
  w.metadata(m);
  return buf;
}

export function decodeMetadata(buf: Buffer): SnapshotMetadata {
  const r = new Reader(buf, 0);
  const m = r.metadata();
  if (!r.done()) throw new RecordFormatError('snapshot metadata: trailing bytes');
  return m;
}
