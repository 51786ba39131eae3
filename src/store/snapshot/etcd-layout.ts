// etcd 3.4's backend layout, as buckets for the bbolt writer. These are the facts `etcdctl snapshot status` and
// `snapshot restore` (and a real etcd started on a restored dir) rely on:
//
//   key              revision key (8-byte BE main, '_', 8-byte BE sub; + 't' for a tombstone) -> mvccpb.KeyValue
//   meta             consistent_index -> u64 BE; finishedCompactRev / scheduledCompactRev -> revision key (sub 0)
//   lease            8-byte BE lease id -> leasepb.Lease { ID = 1, TTL = 2 }
//   members          member id in lowercase hex -> JSON {"id","peerURLs","name","clientURLs"[,"isLearner"]}
//   members_removed  member id in hex -> "removed"
//   cluster          clusterVersion -> "3.4.0"
//   auth             authRevision -> u64 BE (1 on a fresh etcd); authEnabled -> [1] when enabled
//   authUsers, authRoles, alarm   empty on a plain cluster
//
// `snapshot status` reports the main revision of the last key of bucket `key` as the revision, counts every
// key of every bucket, and hashes (CRC-32C) bucket names, keys and values in order: so barque's snapshot of the
// same history equals etcd's when these buckets hold the same bytes.
import { Crc32c, encodeEtcdKeyValue as encodeMvccpbKeyValue } from '../mvcc/index.ts';
import type { BboltBucketInput } from './bbolt-writer.ts';

export const ETCD_BUCKET_NAMES = [
  'alarm',
  'auth',
  'authRoles',
  'authUsers',
  'cluster',
  'key',
  'lease',
  'members',
  'members_removed',
  'meta',
] as const;

export interface EtcdMemberRecord {
  id: bigint;
  name: string;
  peerURLs: readonly string[];
  clientURLs: readonly string[];
  isLearner?: boolean;
}

export interface EtcdLeaseRecord {
  id: bigint;
  ttlSeconds: bigint;
}

export interface EtcdBackendContents {
  /** Bucket `key`: (revision key, mvccpb.KeyValue bytes), strictly ascending by revision key. */
  keys: Iterable<readonly [Buffer, Buffer]>;
  /** Raft index of the last applied entry. */
  consistentIndex: bigint;
  /** Main revision of the last finished compaction; omitted from `meta` when undefined (never compacted). */
  finishedCompactRev?: bigint;
  scheduledCompactRev?: bigint;
  leases?: readonly EtcdLeaseRecord[];
  members?: readonly EtcdMemberRecord[];
  removedMemberIds?: readonly bigint[];
  /** "3.4.0" on etcd 3.4; omitted when undefined. */
  clusterVersion?: string;
  /** 1 on a fresh etcd 3.4. */
  authRevision?: bigint;
  authEnabled?: boolean;
  /** user name -> authpb.User bytes; role name -> authpb.Role bytes (sorted here). */
  authUsers?: Iterable<readonly [Buffer, Buffer]>;
  authRoles?: Iterable<readonly [Buffer, Buffer]>;
  alarms?: Iterable<readonly [Buffer, Buffer]>;
}

const sortedEntries = (entries: Iterable<readonly [Buffer, Buffer]> | undefined): Array<readonly [Buffer, Buffer]> =>
  [...(entries ?? [])].sort((a, b) => Buffer.compare(a[0], b[0]));

/** The buckets etcd 3.4 would hold for these contents, ready for writeBbolt / writeBboltSnapshot. */
export function etcdBackendBuckets(contents: EtcdBackendContents): BboltBucketInput[] {
  const meta: Array<[Buffer, Buffer]> = [[Buffer.from('consistent_index'), u64be(contents.consistentIndex)]];
  if (contents.finishedCompactRev !== undefined) meta.push([Buffer.from('finishedCompactRev'), revisionKey(contents.finishedCompactRev)]);
  if (contents.scheduledCompactRev !== undefined) meta.push([Buffer.from('scheduledCompactRev'), revisionKey(contents.scheduledCompactRev)]);
  meta.sort((a, b) => Buffer.compare(a[0], b[0]));

  const leases = [...(contents.leases ?? [])]
    .map((l): [Buffer, Buffer] => [u64be(l.id), encodeLease(l)])
    .sort((a, b) => Buffer.compare(a[0], b[0]));
  const members = [...(contents.members ?? [])]
    .map((m): [Buffer, Buffer] => [Buffer.from(m.id.toString(16)), Buffer.from(memberJson(m))])
    .sort((a, b) => Buffer.compare(a[0], b[0]));
  const removed = [...(contents.removedMemberIds ?? [])]
    .map((id): [Buffer, Buffer] => [Buffer.from(id.toString(16)), Buffer.from('removed')])
    .sort((a, b) => Buffer.compare(a[0], b[0]));
  const auth: Array<[Buffer, Buffer]> = [];
  if (contents.authEnabled === true) auth.push([Buffer.from('authEnabled'), Buffer.from([1])]);
  if (contents.authRevision !== undefined) auth.push([Buffer.from('authRevision'), u64be(contents.authRevision)]);
  auth.sort((a, b) => Buffer.compare(a[0], b[0]));

  return [
    { name: 'alarm', entries: contents.alarms ?? [] },
    { name: 'auth', entries: auth },
    { name: 'authRoles', entries: sortedEntries(contents.authRoles) },
    { name: 'authUsers', entries: sortedEntries(contents.authUsers) },
    { name: 'cluster', entries: contents.clusterVersion === undefined ? [] : [[Buffer.from('clusterVersion'), Buffer.from(contents.clusterVersion)]] },
    { name: 'key', entries: contents.keys },
    { name: 'lease', entries: leases },
    { name: 'members', entries: members },
    { name: 'members_removed', entries: removed },
    { name: 'meta', entries: meta },
  ];
}

/** 17 bytes: main (u64 BE), '_', sub (u64 BE); an 18th byte 't' marks a tombstone. */
export function revisionKey(main: bigint, sub = 0n, tombstone = false): Buffer {
  const buf = Buffer.alloc(tombstone ? 18 : 17);
  buf.writeBigUInt64BE(main, 0);
  buf[8] = 0x5f;
  buf.writeBigUInt64BE(sub, 9);
  if (tombstone) buf[17] = 0x74;
  return buf;
}

function u64be(n: bigint): Buffer {
  const buf = Buffer.alloc(8);
  buf.writeBigUInt64BE(BigInt.asUintN(64, n), 0);
  return buf;
}

/** etcd marshals member ids as JSON numbers (uint64), which exceed JSON.stringify's safe range: written by hand. */
function memberJson(m: EtcdMemberRecord): string {
  const learner = m.isLearner === true ? ',"isLearner":true' : '';
  return (
    `{"id":${BigInt.asUintN(64, m.id).toString()},"peerURLs":${JSON.stringify(m.peerURLs)},` +
    `"name":${JSON.stringify(m.name)},"clientURLs":${JSON.stringify(m.clientURLs)}${learner}}`
  );
}

/** leasepb.Lease: ID (field 1) and TTL (field 2) as varints; zero fields are omitted, as gogoproto does. */
function encodeLease(l: EtcdLeaseRecord): Buffer {
  const bytes: number[] = [];
  if (l.id !== 0n) bytes.push(0x08, ...varint(BigInt.asUintN(64, l.id)));
  if (l.ttlSeconds !== 0n) bytes.push(0x10, ...varint(BigInt.asUintN(64, l.ttlSeconds)));
  return Buffer.from(bytes);
}

function varint(n: bigint): number[] {
  const out: number[] = [];
  let rest = n;
  while (rest >= 0x80n) {
    out.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  out.push(Number(rest));
  return out;
}

/** The fields of mvccpb.KeyValue; structurally the same as the MVCC room's KeyValue. */
export interface EtcdKeyValueRecord {
  key: Buffer;
  createRevision: number;
  modRevision: number;
  version: number;
  value: Buffer;
  lease: bigint;
}

/**
 * mvccpb.KeyValue as etcd stores it in bucket `key` (gogoproto: fields in number order, zero values omitted):
 * key = 1, create_revision = 2, mod_revision = 3, version = 4, value = 5, lease = 6. A tombstone is the key alone.
 */
/** mvccpb.KeyValue bytes, as etcd stores them in its "key" bucket (the encoder lives with the MVCC store). */
export function encodeEtcdKeyValue(kv: EtcdKeyValueRecord): Buffer {
  return encodeMvccpbKeyValue(kv);
}

export class EtcdLayoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EtcdLayoutError';
  }
}

/** Decodes mvccpb.KeyValue (unknown fields are skipped, as protobuf requires). */
export function decodeEtcdKeyValue(buf: Buffer): EtcdKeyValueRecord {
  const kv: EtcdKeyValueRecord = { key: Buffer.alloc(0), createRevision: 0, modRevision: 0, version: 0, value: Buffer.alloc(0), lease: 0n };
  let at = 0;
  const readVarint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (at >= buf.length) throw new EtcdLayoutError('truncated varint');
      const byte = buf[at++];
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
    }
    throw new EtcdLayoutError('varint too long');
  };
  while (at < buf.length) {
    const tag = Number(readVarint());
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (wireType === 2) {
      const length = Number(readVarint());
      if (at + length > buf.length) throw new EtcdLayoutError('truncated bytes field');
      const bytes = Buffer.from(buf.subarray(at, at + length));
      at += length;
      if (field === 1) kv.key = bytes;
      else if (field === 5) kv.value = bytes;
    } else if (wireType === 0) {
      const n = readVarint();
      if (field === 2) kv.createRevision = Number(BigInt.asIntN(64, n));
      else if (field === 3) kv.modRevision = Number(BigInt.asIntN(64, n));
      else if (field === 4) kv.version = Number(BigInt.asIntN(64, n));
      else if (field === 6) kv.lease = BigInt.asIntN(64, n);
    } else if (wireType === 1) at += 8;
    else if (wireType === 5) at += 4;
    else throw new EtcdLayoutError(`unsupported wire type ${wireType}`);
  }
  return kv;
}

/** What `etcdctl snapshot status` computes from a database: CRC-32C over bucket names, keys and values in order. */
export function etcdSnapshotStatus(buckets: ReadonlyArray<{ name: Buffer; entries: ReadonlyArray<readonly [Buffer, Buffer]> }>): {
  hash: number;
  revision: number;
  totalKey: number;
} {
  const sorted = [...buckets].sort((a, b) => Buffer.compare(a.name, b.name));
  const crc = new Crc32c();
  const update = (data: Uint8Array): void => void crc.update(data);
  let revision = 0;
  let totalKey = 0;
  for (const b of sorted) {
    update(b.name);
    const isKeyBucket = b.name.equals(Buffer.from('key'));
    for (const [k, v] of b.entries) {
      update(k);
      update(v);
      if (isKeyBucket) revision = Number(k.readBigInt64BE(0));
      totalKey++;
    }
  }
  return { hash: crc.digest(), revision, totalKey };
}
