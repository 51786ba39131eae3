// On-disk encodings: the KeyValue record stored under its revision key, and CRC-32C for the hashes.

import { assert } from '../../raft/assert.ts';
import { keyBytes } from './key-bytes.ts';
import { readUint64, writeUint64, type Revision } from './revision.ts';
import type { KeyValue } from './types.ts';

const KV_FORMAT = 1;
// format(1) createRevision(8) modRevision(8) version(8) lease(8) keyLength(4), then key, then value.
const KV_HEADER_BYTES = 37;
const EMPTY = Buffer.alloc(0);

export function encodeKeyValue(kv: KeyValue): Buffer {
  const buf = Buffer.allocUnsafe(KV_HEADER_BYTES + kv.key.length + kv.value.length);
  buf[0] = KV_FORMAT;
  writeUint64(buf, kv.createRevision, 1);
  writeUint64(buf, kv.modRevision, 9);
  writeUint64(buf, kv.version, 17);
  buf.writeBigInt64BE(kv.lease, 25);
  buf.writeUInt32BE(kv.key.length, 33);
  kv.key.copy(buf, KV_HEADER_BYTES);
  kv.value.copy(buf, KV_HEADER_BYTES + kv.key.length);
  return buf;
}

/** Decodes a record; key and value are copies, so the record buffer can be released. */
export function decodeKeyValue(buf: Buffer): KeyValue {
  assert(buf.length >= KV_HEADER_BYTES && buf[0] === KV_FORMAT, 'bad key-value record');
  const keyLength = buf.readUInt32BE(33);
  assert(KV_HEADER_BYTES + keyLength <= buf.length, 'key-value record key overruns');
  return {
    createRevision: readUint64(buf, 1),
    modRevision: readUint64(buf, 9),
    version: readUint64(buf, 17),
    lease: buf.readBigInt64BE(25),
    key: Buffer.from(buf.subarray(KV_HEADER_BYTES, KV_HEADER_BYTES + keyLength)),
    value: Buffer.from(buf.subarray(KV_HEADER_BYTES + keyLength)),
  };
}

/**
 * The record of a deletion: the key alone, every other field zero, as etcd stores a tombstone. With modRevision,
 * a delete event's key-value (a literal, not a spread: see Released in released.ts).
 */
export function tombstoneRecord(key: Buffer, modRevision = 0): KeyValue {
  return { key, createRevision: 0, modRevision, version: 0, value: EMPTY, lease: 0n };
}

/**
 * A delete event's key-value made from the key's latin1 name (tree-index.ts) and the tombstone's revision, its
 * key's bytes copied when asked for; the store also writes its tombstone record from it (encodeTombstone). A
 * DeleteRange of many keys keeps this one small object per key until its batch is written, instead of a record,
 * a key Buffer and an op each (~600 bytes). Fields other than name and rev are on the prototype: one shape for
 * all, like Released in released.ts.
 */
export class DeletedKeyValue implements KeyValue {
  constructor(
    readonly name: string,
    readonly rev: Revision,
  ) {}

  get key(): Buffer {
    return keyBytes(this.name);
  }

  get value(): Buffer {
    return EMPTY;
  }

  get modRevision(): number {
    return this.rev.main;
  }

  get createRevision(): number {
    return 0;
  }

  get version(): number {
    return 0;
  }

  get lease(): bigint {
    return 0n;
  }
}

/** encodeKeyValue(tombstoneRecord(key)) made straight from the key's latin1 name (tree-index.ts): no copy of the key. */
export function encodeTombstone(name: string): Buffer {
  const record = Buffer.allocUnsafe(KV_HEADER_BYTES + name.length);
  record.fill(0, 0, KV_HEADER_BYTES);
  record[0] = KV_FORMAT;
  record.writeUInt32BE(name.length, 33);
  record.write(name, KV_HEADER_BYTES, 'latin1');
  return record;
}

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** Incremental CRC-32C (Castagnoli), the checksum etcd uses for its hashes. */
export class Crc32c {
  private crc = 0xffffffff;

  update(data: Uint8Array): this {
    let c = this.crc;
    for (let i = 0; i < data.length; i++) c = CRC32C_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
    this.crc = c;
    return this;
  }

  /** Feeds a 4-byte big-endian length then the bytes, so adjacent fields cannot run into each other. */
  updateFramed(data: Uint8Array): this {
    const len = Buffer.allocUnsafe(4);
    len.writeUInt32BE(data.length, 0);
    return this.update(len).update(data);
  }

  digest(): number {
    return (this.crc ^ 0xffffffff) >>> 0;
  }
}

/**
 * A KeyValue marshalled as etcd marshals mvccpb.KeyValue (fields 1..6 in order, zero values left out): the bytes
 * etcd keeps in its "key" bucket, which its hashes and snapshots are computed over.
 */
export function encodeEtcdKeyValue(kv: KeyValue): Buffer {
  const out: number[] = [];
  const varint = (n: bigint): void => {
    let v = BigInt.asUintN(64, n);
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
  };
  const bytes = (tag: number, b: Buffer): void => {
    if (b.length === 0) return;
    out.push(tag);
    varint(BigInt(b.length));
    for (const x of b) out.push(x);
  };
  const number = (tag: number, n: bigint): void => {
    if (n === 0n) return;
    out.push(tag);
    varint(n);
  };
  bytes(0x0a, kv.key);
  number(0x10, BigInt(kv.createRevision));
  number(0x18, BigInt(kv.modRevision));
  number(0x20, BigInt(kv.version));
  bytes(0x2a, kv.value);
  number(0x30, kv.lease);
  return Buffer.from(out);
}

/** etcd's name for the bucket of revision records; its hashes start with it. */
export const ETCD_KEY_BUCKET = Buffer.from('key');
