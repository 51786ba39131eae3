// A revision is {main, sub}: main is the store revision of a write request, sub orders the changes inside it.
// On disk it is a 17-byte key that sorts like the revision: 8 bytes main big-endian, '_', 8 bytes sub
// big-endian; a deletion appends the tombstone marker 't' (18 bytes), as etcd does.

import { assert } from '../../raft/assert.ts';

export interface Revision {
  readonly main: number;
  readonly sub: number;
}

export const REVISION_BYTES = 17;
export const TOMBSTONE_MARK = 0x74; // 't'
const SEPARATOR = 0x5f; // '_'
const TWO_POW_32 = 0x1_0000_0000;

export function writeUint64(buf: Buffer, n: number, offset: number): void {
  assert(Number.isSafeInteger(n) && n >= 0, () => `uint64 out of range: ${n}`);
  buf.writeUInt32BE(Math.floor(n / TWO_POW_32), offset);
  buf.writeUInt32BE(n % TWO_POW_32, offset + 4);
}

export function readUint64(buf: Buffer, offset: number): number {
  const n = buf.readUInt32BE(offset) * TWO_POW_32 + buf.readUInt32BE(offset + 4);
  assert(Number.isSafeInteger(n), 'uint64 above 2^53 on disk');
  return n;
}

export function encodeRevision(rev: Revision, tombstone = false): Buffer {
  const buf = Buffer.allocUnsafe(tombstone ? REVISION_BYTES + 1 : REVISION_BYTES);
  encodeRevisionInto(buf, 0, rev, tombstone);
  return buf;
}

/** Writes the revision key at offset; the caller sized buf for REVISION_BYTES (+1 with a tombstone). */
export function encodeRevisionInto(buf: Buffer, offset: number, rev: Revision, tombstone: boolean): void {
  writeUint64(buf, rev.main, offset);
  buf[offset + 8] = SEPARATOR;
  writeUint64(buf, rev.sub, offset + 9);
  if (tombstone) buf[offset + REVISION_BYTES] = TOMBSTONE_MARK;
}

export function decodeRevision(buf: Buffer): { rev: Revision; tombstone: boolean } {
  assert(buf.length === REVISION_BYTES || buf.length === REVISION_BYTES + 1, () => `bad revision key length ${buf.length}`);
  assert(buf[8] === SEPARATOR, 'bad revision key separator');
  const tombstone = buf.length === REVISION_BYTES + 1;
  assert(!tombstone || buf[REVISION_BYTES] === TOMBSTONE_MARK, 'bad tombstone mark');
  return { rev: { main: readUint64(buf, 0), sub: readUint64(buf, 9) }, tombstone };
}

export function compareRevision(a: Revision, b: Revision): number {
  return a.main !== b.main ? (a.main < b.main ? -1 : 1) : a.sub === b.sub ? 0 : a.sub < b.sub ? -1 : 1;
}

/** A compact identity for sets and maps of revisions. */
export function revisionId(rev: Revision): string {
  return `${rev.main}_${rev.sub}`;
}
