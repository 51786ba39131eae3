// The door of the snapshot room: etcd-compatible database snapshots in bbolt's file format, written and read by
// our own code, so `etcdctl snapshot save | status | restore` work against barque.
//
// Input shape for the writer: top-level buckets, each { name, entries, sequence?, buckets? } where `entries` is
// an iterable of [key, value] Buffers in strictly ascending bytewise key order (the writer checks and throws
// BboltWriteError otherwise); bucket order does not matter (the writer sorts by name). etcd 3.4's buckets and
// their key/value encodings are built by `etcdBackendBuckets` (see etcd-layout.ts for the facts).
//
// Maintenance.Snapshot sends `snapshotStreamBytes(writeBboltSnapshot(buckets))` in chunks (or, without a second
// copy in memory, `snapshotStreamChunks(writeBboltSnapshotChunks(buckets))`): the database, then its 32-byte
// SHA-256. etcdctl recognises that trailer by `size % 512 == 32` and checks it on restore; the
// database itself is a whole number of 4 KiB pages, so the rule holds.
import { createHash } from 'node:crypto';
import { writeBbolt, writeBboltChunks, type BboltBucketInput, type BboltWriteOptions } from './bbolt-writer.ts';

export { writeBbolt, writeBboltChunks, BboltWriteError, type BboltBucketInput, type BboltWriteOptions } from './bbolt-writer.ts';
export { readBbolt, checkBbolt, findBucket, BboltReadError, type BboltBucket, type BboltDatabase, type BboltMeta } from './bbolt-reader.ts';
export {
  etcdBackendBuckets,
  encodeEtcdKeyValue,
  decodeEtcdKeyValue,
  etcdSnapshotStatus,
  revisionKey,
  EtcdLayoutError,
  type EtcdKeyValueRecord,
  ETCD_BUCKET_NAMES,
  type EtcdBackendContents,
  type EtcdLeaseRecord,
  type EtcdMemberRecord,
} from './etcd-layout.ts';

export const SNAPSHOT_CHECKSUM_SIZE = 32;

/** A whole bbolt database file holding these buckets (in memory). */
export function writeBboltSnapshot(buckets: Iterable<BboltBucketInput>, options?: BboltWriteOptions): Buffer {
  return writeBbolt(buckets, options);
}

/** The bytes Maintenance.Snapshot streams: the database followed by its SHA-256. */
export function snapshotStreamBytes(database: Buffer): Buffer {
  return Buffer.concat([database, createHash('sha256').update(database).digest()]);
}

/**
 * The same stream without concatenating: the database's chunks (from `writeBboltSnapshotChunks`), then the
 * 32-byte SHA-256 of all of them. Chunks can be larger than a gRPC message should be: split them when sending.
 */
export function* snapshotStreamChunks(databaseChunks: Iterable<Buffer>): Generator<Buffer> {
  const sha = createHash('sha256');
  for (const chunk of databaseChunks) {
    sha.update(chunk);
    yield chunk;
  }
  yield sha.digest();
}

/** `writeBboltSnapshot` as consecutive chunks in file order, for streaming without a concatenated copy. */
export function writeBboltSnapshotChunks(buckets: Iterable<BboltBucketInput>, options?: BboltWriteOptions): Buffer[] {
  return writeBboltChunks(buckets, options);
}

/** Splits a snapshot file as etcdctl does: a trailer is present when size % 512 == 32. Verifies it when present. */
export function splitSnapshotFile(file: Buffer): { database: Buffer; checksum: Buffer | null; checksumOk: boolean } {
  if (file.length % 512 !== SNAPSHOT_CHECKSUM_SIZE) return { database: file, checksum: null, checksumOk: false };
  const database = file.subarray(0, file.length - SNAPSHOT_CHECKSUM_SIZE);
  const checksum = file.subarray(file.length - SNAPSHOT_CHECKSUM_SIZE);
  return { database, checksum, checksumOk: createHash('sha256').update(database).digest().equals(checksum) };
}
