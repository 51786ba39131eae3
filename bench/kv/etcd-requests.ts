// etcd v3 requests for the load generator, encoded once (fixed requests, through barque's own codecs) or built
// with a few wire primitives when a field changes per call (a txn's expected mod_revision). Responses are read
// lazily: only the fields a workload needs.
import { loadEtcdProtos } from '../../src/store/proto/index.ts';
import { findBytesField, findVarintField, grpcFrame, ProtoWriter, scanFields } from '../lib/index.ts';
import { prefixEnd } from '../../src/common/key-prefix.ts';

/** [prefix, prefixRangeEnd(prefix)) is every key with the prefix. */
export const prefixRangeEnd = prefixEnd;

export const KV_PUT = '/etcdserverpb.KV/Put';
export const KV_RANGE = '/etcdserverpb.KV/Range';
export const KV_TXN = '/etcdserverpb.KV/Txn';
export const KV_COMPACT = '/etcdserverpb.KV/Compact';
export const WATCH_WATCH = '/etcdserverpb.Watch/Watch';

/** etcd's CompareTarget.MOD, RequestOp/ResponseOp member numbers and the other field numbers used below. */
const COMPARE_TARGET_MOD = 2;

/** A key of exactly `sizeBytes` bytes: the readable prefix and index, then filler. */
export function paddedKey(prefix: string, index: number, sizeBytes: number): Buffer {
  const head = `${prefix}${index.toString(36).padStart(6, '0')}`;
  if (head.length > sizeBytes) throw new Error(`key size ${sizeBytes} B is too small for "${head}"`);
  return Buffer.from(head.padEnd(sizeBytes, '_'));
}

export function putFrame(key: Buffer, value: Buffer): Buffer {
  return grpcFrame(loadEtcdProtos().codecs.type('etcdserverpb.PutRequest').encode({ key, value }));
}

/** `count` put frames on distinct keys `${prefix}<index>`, padded to keyBytes, all with the same value. */
export function putFrames(prefix: string, count: number, keyBytes: number, value: Buffer): Buffer[] {
  return Array.from({ length: count }, (_, i) => putFrame(paddedKey(prefix, i, keyBytes), value));
}

export function rangeFrame(key: Buffer, rangeEnd: Buffer | null, serializable: boolean): Buffer {
  const codec = loadEtcdProtos().codecs.type('etcdserverpb.RangeRequest');
  return grpcFrame(codec.encode({ key, range_end: rangeEnd ?? Buffer.alloc(0), serializable }));
}

export function compactFrame(revision: bigint): Buffer {
  return grpcFrame(loadEtcdProtos().codecs.type('etcdserverpb.CompactionRequest').encode({ revision }));
}

export function watchCreateFrame(key: Buffer, rangeEnd: Buffer): Buffer {
  const codec = loadEtcdProtos().codecs.type('etcdserverpb.WatchRequest');
  return grpcFrame(codec.encode({ create_request: { key, range_end: rangeEnd } }));
}

/**
 * Compare-and-swap as a Txn: if mod_revision(key) == expected then put(key, value) else range(key). Built with
 * wire primitives because `expected` changes on every call; `encodedPut` is the PutRequest bytes, encoded once.
 */
export function casTxnFrame(key: Buffer, expectedModRevision: bigint, encodedPut: Buffer): Buffer {
  const compare = new ProtoWriter()
    .varintField(2, COMPARE_TARGET_MOD) // target
    .bytesField(3, key)
    .varintField(6, expectedModRevision) // mod_revision (oneof target_union)
    .finish();
  const success = new ProtoWriter().bytesField(2, encodedPut).finish(); // RequestOp.request_put
  const failure = new ProtoWriter().bytesField(1, new ProtoWriter().bytesField(1, key).finish()).finish(); // request_range
  return grpcFrame(new ProtoWriter().bytesField(1, compare).bytesField(2, success).bytesField(3, failure).finish());
}

export function encodePutRequest(key: Buffer, value: Buffer): Buffer {
  return loadEtcdProtos().codecs.type('etcdserverpb.PutRequest').encode({ key, value });
}

export interface CasOutcome {
  succeeded: boolean;
  /** The key's mod_revision now: the txn's revision on success, the range's answer on failure (0n if none). */
  modRevision: bigint;
}

/** Reads a CAS TxnResponse: succeeded (field 2), header revision, or responses[0].response_range.kvs[0]. */
export function readCasOutcome(txnResponse: Buffer): CasOutcome {
  const succeeded = findVarintField(txnResponse, 2) !== 0n;
  if (succeeded) {
    const header = findBytesField(txnResponse, 1);
    return { succeeded, modRevision: header === null ? 0n : findVarintField(header, 3) };
  }
  const op = findBytesField(txnResponse, 3);
  const range = op === null ? null : findBytesField(op, 1);
  const kv = range === null ? null : findBytesField(range, 2);
  return { succeeded, modRevision: kv === null ? 0n : findVarintField(kv, 3) };
}

export interface WatchResponseSummary {
  created: boolean;
  canceled: boolean;
  /** The value of each event's kv, in order (views into the message). */
  values: Buffer[];
}

/** Reads a WatchResponse without decoding it: created (3), canceled (4), events (11) -> kv (2) -> value (5). */
export function readWatchResponse(message: Buffer): WatchResponseSummary {
  const out: WatchResponseSummary = { created: false, canceled: false, values: [] };
  scanFields(message, (f) => {
    if (f.fieldNumber === 3) out.created = f.varint !== 0n;
    else if (f.fieldNumber === 4) out.canceled = f.varint !== 0n;
    else if (f.fieldNumber === 11) {
      const kv = findBytesField(f.bytes, 2);
      out.values.push((kv === null ? null : findBytesField(kv, 5)) ?? Buffer.alloc(0));
    }
  });
  return out;
}
