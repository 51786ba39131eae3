// Wire sizes of watch responses (protobuf, as etcd encodes them) and etcd's fragmenting rule: a response at or
// over the limit with two or more events is cut into parts that each stay under it (a part holds at least one
// event, so one huge event still goes alone); every part but the last has fragment = true.

import type { Event, KeyValue } from '../mvcc/index.ts';
import type { WatchResponse } from './types.ts';

/** etcd's default --max-request-bytes (1.5 MiB) plus its gRPC overhead allowance (512 KiB). */
export const DEFAULT_MAX_RESPONSE_BYTES = 1.5 * 1024 * 1024 + 512 * 1024;
/** Room for the header the server fills in (cluster_id, member_id, revision, raft_term: 4 varints of ≤ 10 bytes). */
const HEADER_ALLOWANCE = 2 + 4 * 11;

// No BigInt loop here: a `>>=` loop over BigInt.asUintN(64, …) is the shape that tripped a V8 optimizer fatal
// error (RepresentationChangerError, UnsignedBigInt64) in Node 20 elsewhere in the server.
function varintSize(n: number | bigint): number {
  const bits = BigInt.asUintN(64, BigInt(n)).toString(2).length;
  return Math.max(1, Math.ceil(bits / 7));
}

function smallVarintSize(n: number): number {
  if (n < 0) return 10;
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x200000) return 3;
  if (n < 0x10000000) return 4;
  return varintSize(n);
}

const intField = (n: number) => (n === 0 ? 0 : 1 + smallVarintSize(n));
const bytesField = (len: number) => (len === 0 ? 0 : 1 + smallVarintSize(len) + len);
const messageField = (len: number) => 1 + smallVarintSize(len) + len;

function keyValueSize(kv: KeyValue): number {
  return (
    bytesField(kv.key.length) +
    intField(kv.createRevision) +
    intField(kv.modRevision) +
    intField(kv.version) +
    bytesField(kv.value.length) +
    (kv.lease === 0n ? 0 : 1 + varintSize(kv.lease))
  );
}

/** Encoded size of an mvccpb.Event. */
export function eventSize(e: Event): number {
  return intField(e.type) + messageField(keyValueSize(e.kv)) + (e.prevKv ? messageField(keyValueSize(e.prevKv)) : 0);
}

/** Encoded size of a WatchResponse without its events, with room for the full header. */
function responseBaseSize(r: WatchResponse): number {
  return (
    HEADER_ALLOWANCE +
    intField(r.watchId) +
    (r.created ? 2 : 0) +
    (r.canceled ? 2 : 0) +
    intField(r.compactRevision) +
    bytesField(Buffer.byteLength(r.cancelReason)) +
    2 // fragment flag, counted always: parts carry it
  );
}

/** Encoded size of a whole WatchResponse (header at its largest). */
export function watchResponseSize(r: WatchResponse): number {
  let size = responseBaseSize(r);
  for (const e of r.events) size += messageField(eventSize(e));
  return size;
}

/**
 * Splits the events of a response whose encoded size reaches maxBytes into parts that stay under it, in order.
 * Returns one part (the events as they are) when no split is needed or possible.
 */
export function fragment(events: Event[], maxBytes: number, baseBytes = HEADER_ALLOWANCE + 16): Event[][] {
  const sizes = events.map((e) => messageField(eventSize(e)));
  const total = sizes.reduce((a, b) => a + b, baseBytes);
  if (total < maxBytes || events.length < 2) return [events];
  const parts: Event[][] = [];
  let part: Event[] = [];
  let size = baseBytes;
  for (let i = 0; i < events.length; i++) {
    if (part.length > 0 && size + sizes[i] >= maxBytes) {
      parts.push(part);
      part = [];
      size = baseBytes;
    }
    part.push(events[i]);
    size += sizes[i];
  }
  parts.push(part);
  return parts;
}

/** A response cut per fragment(): every part but the last is marked fragment = true. */
export function fragmentResponse(r: WatchResponse, maxBytes: number): WatchResponse[] {
  const parts = fragment(r.events, maxBytes, responseBaseSize(r));
  if (parts.length === 1) return [r];
  return parts.map((events, i) => ({ ...r, events, fragment: i < parts.length - 1 }));
}
