// Lease records as they sit in the shared classic-level database: 'l' + 8-byte big-endian ID (two's complement)
// -> version byte, granted TTL (int64 BE), checkpointed remaining TTL (int64 BE, 0 = none). Only applied state
// is stored, never deadlines, so every member writes the same bytes and database hashes agree.

import { assert } from '../../raft/assert.ts';

export const LEASE_PREFIX = 0x6c; // 'l'
const RECORD_VERSION = 1;
const RECORD_LENGTH = 17;

export interface LeaseRecord {
  id: bigint;
  ttlSeconds: number;
  remainingTtlSeconds: number;
}

export function leaseKey(id: bigint): Buffer {
  const key = Buffer.allocUnsafe(9);
  key[0] = LEASE_PREFIX;
  key.writeBigInt64BE(BigInt.asIntN(64, id), 1);
  return key;
}

export function encodeLeaseRecord(r: LeaseRecord): Buffer {
  const buf = Buffer.allocUnsafe(RECORD_LENGTH);
  buf[0] = RECORD_VERSION;
  buf.writeBigInt64BE(BigInt(r.ttlSeconds), 1);
  buf.writeBigInt64BE(BigInt(r.remainingTtlSeconds), 9);
  return buf;
}

export function decodeLeaseRecord(key: Buffer, value: Buffer): LeaseRecord {
  assert(key.length === 9 && key[0] === LEASE_PREFIX, 'not a lease record key');
  assert(value.length === RECORD_LENGTH && value[0] === RECORD_VERSION, 'unknown lease record format');
  return {
    id: key.readBigInt64BE(1),
    ttlSeconds: Number(value.readBigInt64BE(1)),
    remainingTtlSeconds: Number(value.readBigInt64BE(9)),
  };
}

/** Bounds of every lease record key, for an iterator over the prefix. */
export const LEASE_KEY_RANGE = { gte: Buffer.from([LEASE_PREFIX]), lt: Buffer.from([LEASE_PREFIX + 1]) };
