// Snapshot files: one per snapshot, named by index and term, written atomically (temp file, fsync, rename,
// fsync of the directory), so a crash leaves either the old set of files or the new one, plus at most a
// temp file that open() removes.
//
//   file = magic u32 | crc u32 (CRC-32 of everything after it) | metadata length u32 | metadata | data
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Snapshot, SnapshotMetadata } from '../../types.ts';
import { crc32 } from './crc32.ts';
import { decodeMetadata, encodeMetadata } from './record.ts';

const SNAPSHOT_MAGIC = 0x4e535142; // "BQSN"
const FILE_PATTERN = /^snap-([0-9a-f]{16})-([0-9a-f]{16})\.snap$/;

export function snapshotFileName(index: number, term: number): string {
  return `snap-${index.toString(16).padStart(16, '0')}-${term.toString(16).padStart(16, '0')}.snap`;
}

export function parseSnapshotFileName(name: string): { index: number; term: number } | undefined {
  const m = FILE_PATTERN.exec(name);
  return m === null ? undefined : { index: parseInt(m[1], 16), term: parseInt(m[2], 16) };
}

export async function fsyncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes `bytes` to dir/name atomically and durably. */
export async function writeFileAtomic(dir: string, name: string, bytes: Uint8Array): Promise<void> {
  const tmp = path.join(dir, `${name}.tmp`);
  const handle = await fs.open(tmp, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, path.join(dir, name));
  await fsyncDir(dir);
}

export async function writeSnapshotFile(dir: string, snap: Snapshot): Promise<void> {
  const meta = encodeMetadata(snap.metadata);
  const buf = Buffer.allocUnsafe(12 + meta.length + snap.data.length);
  buf.writeUInt32LE(SNAPSHOT_MAGIC, 0);
  buf.writeUInt32LE(meta.length, 8);
  meta.copy(buf, 12);
  buf.set(snap.data, 12 + meta.length);
  buf.writeUInt32LE(crc32(buf.subarray(8)), 4);
  await writeFileAtomic(dir, snapshotFileName(snap.metadata.index, snap.metadata.term), buf);
}

export class SnapshotFileError extends Error {}

/** Reads and verifies the snapshot file the WAL names; any mismatch is an error (the WAL promised it). */
export async function readSnapshotFile(dir: string, expected: SnapshotMetadata): Promise<Snapshot> {
  const name = snapshotFileName(expected.index, expected.term);
  let buf: Buffer;
  try {
    buf = await fs.readFile(path.join(dir, name));
  } catch (e) {
    throw new SnapshotFileError(`snapshot ${name} named by the WAL cannot be read: ${(e as Error).message}`);
  }
  if (buf.length < 12 || buf.readUInt32LE(0) !== SNAPSHOT_MAGIC) throw new SnapshotFileError(`${name}: not a snapshot file`);
  if (crc32(buf.subarray(8)) !== buf.readUInt32LE(4)) throw new SnapshotFileError(`${name}: CRC mismatch`);
  const metaLength = buf.readUInt32LE(8);
  if (12 + metaLength > buf.length) throw new SnapshotFileError(`${name}: bad metadata length`);
  const metadata = decodeMetadata(buf.subarray(12, 12 + metaLength));
  if (metadata.index !== expected.index || metadata.term !== expected.term) {
    throw new SnapshotFileError(`${name}: holds index ${metadata.index} term ${metadata.term}`);
  }
  return { metadata: expected, data: new Uint8Array(buf.subarray(12 + metaLength)) };
}
