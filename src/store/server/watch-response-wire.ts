// etcdserverpb.WatchResponse written by hand: every event every watcher receives is encoded here, and through
// protobufjs (an object per response, event and key-value, fromObject, bigint conversions, then encode) that was
// the largest part of a store member's watch work under the Kubernetes bench. Zero-valued fields are left out, as
// etcd's encoder does; tests read the bytes back with the .proto.
import { assert } from '../../raft/assert.ts';
import type { Event, KeyValue } from '../mvcc/index.ts';
import type { WatchResponse } from '../watch/index.ts';
import { varint64Size, varintSize, WIRE_BYTES, WIRE_VARINT, writeVarint, writeVarint64 } from '../proto/wire-primitives.ts';

/** The server's part of a response header. */
export interface HeaderFields {
  clusterId: bigint;
  memberId: bigint;
  raftTerm: bigint;
}

const tag = (field: number, wireType: number): number => (field << 3) | wireType;
/** int64 fields travel as the uint64 of their two's complement. */
const asUint64 = (v: bigint | number): bigint => BigInt.asUintN(64, BigInt(v));

// Field numbers: WatchResponse, ResponseHeader, mvccpb.Event, mvccpb.KeyValue (etcd 3.4's rpc.proto, kv.proto).
const W_HEADER = 1;
const W_WATCH_ID = 2;
const W_CREATED = 3;
const W_CANCELED = 4;
const W_COMPACT_REVISION = 5;
const W_CANCEL_REASON = 6;
const W_FRAGMENT = 7;
const W_EVENTS = 11;
const H_CLUSTER_ID = 1;
const H_MEMBER_ID = 2;
const H_REVISION = 3;
const H_RAFT_TERM = 4;
const E_TYPE = 1;
const E_KV = 2;
const E_PREV_KV = 3;
const KV_KEY = 1;
const KV_CREATE_REVISION = 2;
const KV_MOD_REVISION = 3;
const KV_VERSION = 4;
const KV_VALUE = 5;
const KV_LEASE = 6;

/** Sizes first, then one buffer of exactly that size. */
class Sizer {
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

class Writer {
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

function kvSize(kv: KeyValue): number {
  const s = new Sizer();
  s.delimited(KV_KEY, kv.key.length);
  s.uint(KV_CREATE_REVISION, kv.createRevision);
  s.uint(KV_MOD_REVISION, kv.modRevision);
  s.uint(KV_VERSION, kv.version);
  s.delimited(KV_VALUE, kv.value.length);
  s.uint(KV_LEASE, asUint64(kv.lease));
  return s.size;
}

function writeKv(w: Writer, kv: KeyValue): void {
  w.bytes(KV_KEY, kv.key);
  w.uint(KV_CREATE_REVISION, kv.createRevision);
  w.uint(KV_MOD_REVISION, kv.modRevision);
  w.uint(KV_VERSION, kv.version);
  w.bytes(KV_VALUE, kv.value);
  w.uint(KV_LEASE, asUint64(kv.lease));
}

export function encodeWatchResponse(h: HeaderFields, r: WatchResponse): Buffer {
  const revision = asUint64(r.header.revision);
  const hs = new Sizer();
  hs.uint(H_CLUSTER_ID, h.clusterId);
  hs.uint(H_MEMBER_ID, h.memberId);
  hs.uint(H_REVISION, revision);
  hs.uint(H_RAFT_TERM, h.raftTerm);
  const kvSizes: number[] = [];
  const eventSizes: number[] = [];
  for (const e of r.events) eventSizes.push(eventSize(e, kvSizes));
  const cancelReasonBytes = Buffer.byteLength(r.cancelReason);
  const s = new Sizer();
  s.delimited(W_HEADER, hs.size, true);
  s.uint(W_WATCH_ID, asUint64(r.watchId));
  s.uint(W_CREATED, r.created);
  s.uint(W_CANCELED, r.canceled);
  s.uint(W_COMPACT_REVISION, asUint64(r.compactRevision));
  s.delimited(W_CANCEL_REASON, cancelReasonBytes);
  s.uint(W_FRAGMENT, r.fragment);
  for (const n of eventSizes) s.delimited(W_EVENTS, n, true);

  const w = new Writer(Buffer.allocUnsafe(s.size));
  w.header(W_HEADER, hs.size);
  w.uint(H_CLUSTER_ID, h.clusterId);
  w.uint(H_MEMBER_ID, h.memberId);
  w.uint(H_REVISION, revision);
  w.uint(H_RAFT_TERM, h.raftTerm);
  w.uint(W_WATCH_ID, asUint64(r.watchId));
  w.uint(W_CREATED, r.created);
  w.uint(W_CANCELED, r.canceled);
  w.uint(W_COMPACT_REVISION, asUint64(r.compactRevision));
  w.bytes(W_CANCEL_REASON, r.cancelReason);
  w.uint(W_FRAGMENT, r.fragment);
  let k = 0;
  for (const [i, e] of r.events.entries()) {
    w.header(W_EVENTS, eventSizes[i]);
    w.uint(E_TYPE, e.type);
    w.header(E_KV, kvSizes[k++]);
    writeKv(w, e.kv);
    if (e.prevKv !== undefined) {
      w.header(E_PREV_KV, kvSizes[k++]);
      writeKv(w, e.prevKv);
    }
  }
  assert(w.pos === w.buf.length, () => `watch response encoder wrote ${w.pos} bytes of ${w.buf.length}`);
  return w.buf;
}

/** An event's encoded size; pushes its key-values' sizes (kv, then prev_kv) for the writing pass. */
function eventSize(e: Event, kvSizes: number[]): number {
  const s = new Sizer();
  s.uint(E_TYPE, e.type);
  const kv = kvSize(e.kv);
  kvSizes.push(kv);
  s.delimited(E_KV, kv, true);
  if (e.prevKv !== undefined) {
    const prev = kvSize(e.prevKv);
    kvSizes.push(prev);
    s.delimited(E_PREV_KV, prev, true);
  }
  return s.size;
}
