// etcdserverpb.WatchResponse written by hand: every event every watcher receives is encoded here, and through
// protobufjs (an object per response, event and key-value, fromObject, bigint conversions, then encode) that was
// the largest part of a store member's watch work under the Kubernetes bench. Zero-valued fields are left out, as
// etcd's encoder does; tests read the bytes back with the .proto.
import { assert } from '../../raft/assert.ts';
import type { Event } from '../mvcc/index.ts';
import type { WatchResponse } from '../watch/index.ts';
import { asUint64, headerSize, kvSize, Sizer, writeHeader, Writer, writeKv, type HeaderFields } from './response-wire.ts';

// Field numbers: WatchResponse, mvccpb.Event (etcd 3.4's rpc.proto, kv.proto).
const W_HEADER = 1;
const W_WATCH_ID = 2;
const W_CREATED = 3;
const W_CANCELED = 4;
const W_COMPACT_REVISION = 5;
const W_CANCEL_REASON = 6;
const W_FRAGMENT = 7;
const W_EVENTS = 11;
const E_TYPE = 1;
const E_KV = 2;
const E_PREV_KV = 3;

export function encodeWatchResponse(h: HeaderFields, r: WatchResponse): Buffer {
  const hSize = headerSize(h, r.header.revision);
  const kvSizes: number[] = [];
  const eventSizes: number[] = [];
  for (const e of r.events) eventSizes.push(eventSize(e, kvSizes));
  const cancelReasonBytes = Buffer.byteLength(r.cancelReason);
  const s = new Sizer();
  s.delimited(W_HEADER, hSize, true);
  s.uint(W_WATCH_ID, asUint64(r.watchId));
  s.uint(W_CREATED, r.created);
  s.uint(W_CANCELED, r.canceled);
  s.uint(W_COMPACT_REVISION, asUint64(r.compactRevision));
  s.delimited(W_CANCEL_REASON, cancelReasonBytes);
  s.uint(W_FRAGMENT, r.fragment);
  for (const n of eventSizes) s.delimited(W_EVENTS, n, true);

  const w = new Writer(Buffer.allocUnsafe(s.size));
  writeHeader(w, W_HEADER, hSize, h, r.header.revision);
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
