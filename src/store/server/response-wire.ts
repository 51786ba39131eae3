// Hand-written encoding of etcd's ResponseHeader and mvccpb.KeyValue for the responses encoded by hand
// (watch-response-wire.ts): sized first and then written into one exactly sized buffer, zero-valued fields left
// out as etcd's encoder does.
import type { KeyValue } from '../mvcc/index.ts';
import { varint64Size, varintSize, WIRE_BYTES, WIRE_VARINT, writeVarint, writeVarint64 } from '../proto/wire-primitives.ts';

/** The server's part of a response header. */
export interface HeaderFields {
  clusterId: bigint;
  memberId: bigint;
  raftTerm: bigint;
}

export const tag = (field: number, wireType: number): number => (field << 3) | wireType;
/** int64 fields travel as the uint64 of their two's complement. */
export const asUint64 = (v: bigint | number): bigint => BigInt.asUintN(64, BigInt(v));

// Field numbers: ResponseHeader, mvccpb.KeyValue (etcd 3.4's rpc.proto, kv.proto).
const H_CLUSTER_ID = 1;
const H_MEMBER_ID = 2;
const H_REVISION = 3;
const H_RAFT_TERM = 4;
const KV_KEY = 1;
const KV_CREATE_REVISION = 2;
const KV_MOD_REVISION = 3;
const KV_VERSION = 4;
const KV_VALUE = 5;
const KV_LEASE = 6;

/** Sizes first, then one buffer of exactly that size. */
export class Sizer {
  size = 0;
  uint(field: number, v: bigint | number | boolean): void {
    if (v === 0 || v === 0n || v === false) return;
    this.size += varintSize(tag(field, WIRE_VARINT)) + (typeof v === 'bigint' ? varint64Size(v) : v === true ? 1 : varintSize(v));
  }
  delimited(field: number, length: number, always = false): void {
    if (length === 0 && !always) return;
    this.size += varintSize(tag(field, WIRE_BYTES)) + varintSize(length) + length;
  }
}

export class Writer {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  uint(field: number, v: bigint | number | boolean): void {
    if (v === 0 || v === 0n || v === false) return;
    this.pos = writeVarint(this.buf, this.pos, tag(field, WIRE_VARINT));
    this.pos = typeof v === 'bigint' ? writeVarint64(this.buf, this.pos, v) : writeVarint(this.buf, this.pos, v === true ? 1 : v);
  }
  header(field: number, length: number): void {
    this.pos = writeVarint(this.buf, this.pos, tag(field, WIRE_BYTES));
    this.pos = writeVarint(this.buf, this.pos, length);
  }
  bytes(field: number, b: Buffer | string): void {
    if (b.length === 0) return;
    if (typeof b === 'string') {
      const n = Buffer.byteLength(b);
      this.header(field, n);
      this.pos += this.buf.write(b, this.pos, 'utf8');
    } else {
      this.header(field, b.length);
      this.pos += b.copy(this.buf, this.pos);
    }
  }
}

export function kvSize(kv: KeyValue): number {
  const s = new Sizer();
  s.delimited(KV_KEY, kv.key.length);
  s.uint(KV_CREATE_REVISION, kv.createRevision);
  s.uint(KV_MOD_REVISION, kv.modRevision);
  s.uint(KV_VERSION, kv.version);
  s.delimited(KV_VALUE, kv.value.length);
  s.uint(KV_LEASE, asUint64(kv.lease));
  return s.size;
}

export function writeKv(w: Writer, kv: KeyValue): void {
  w.bytes(KV_KEY, kv.key);
  w.uint(KV_CREATE_REVISION, kv.createRevision);
  w.uint(KV_MOD_REVISION, kv.modRevision);
  w.uint(KV_VERSION, kv.version);
  w.bytes(KV_VALUE, kv.value);
  w.uint(KV_LEASE, asUint64(kv.lease));
}

/** A ResponseHeader's encoded size. */
export function headerSize(h: HeaderFields, revision: number): number {
  const s = new Sizer();
  s.uint(H_CLUSTER_ID, h.clusterId);
  s.uint(H_MEMBER_ID, h.memberId);
  s.uint(H_REVISION, asUint64(revision));
  s.uint(H_RAFT_TERM, h.raftTerm);
  return s.size;
}

/** Writes a ResponseHeader as field `field`, `size` being headerSize's. */
export function writeHeader(w: Writer, field: number, size: number, h: HeaderFields, revision: number): void {
  w.header(field, size);
  w.uint(H_CLUSTER_ID, h.clusterId);
  w.uint(H_MEMBER_ID, h.memberId);
  w.uint(H_REVISION, asUint64(revision));
  w.uint(H_RAFT_TERM, h.raftTerm);
}
