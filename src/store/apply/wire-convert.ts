// etcd wire messages (as decoded by src/store/proto: snake_case, 64-bit as bigint) <-> the MVCC store's domain
// types (camelCase, revisions as number). Responses leave the header's cluster fields to the server.
import { toSafeNumber } from '../proto/index.ts';
import type {
  Compare,
  DeleteRangeRequest,
  DeleteRangeResponse,
  KeyValue,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  RequestOp,
  ResponseOp,
  TxnRequest,
  TxnResponse,
} from '../mvcc/index.ts';

/** A decoded or to-be-encoded protobuf message. */
export type Wire = Record<string, unknown>;

// Saturating: revisions, limits and counts past 2^53 keep their meaning clamped there (no store reaches them), and
// fuzzed requests must get etcd's answer, not a conversion error.
const num = (v: unknown): number => {
  if (v === undefined || v === null) return 0;
  const n = BigInt(v as bigint);
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : n < BigInt(Number.MIN_SAFE_INTEGER) ? Number.MIN_SAFE_INTEGER : toSafeNumber(n);
};
const big = (v: unknown): bigint => (v === undefined || v === null ? 0n : BigInt(v as bigint));
const buf = (v: unknown): Buffer => (v === undefined || v === null ? Buffer.alloc(0) : (v as Buffer));
const optBuf = (v: unknown): Buffer | undefined => {
  const b = v as Buffer | undefined | null;
  return b === undefined || b === null || b.length === 0 ? undefined : b;
};

export function rangeFromWire(w: Wire): RangeRequest {
  return {
    key: buf(w.key),
    rangeEnd: optBuf(w.range_end),
    limit: num(w.limit),
    revision: num(w.revision),
    sortOrder: (w.sort_order as number) ?? 0,
    sortTarget: (w.sort_target as number) ?? 0,
    serializable: Boolean(w.serializable),
    keysOnly: Boolean(w.keys_only),
    countOnly: Boolean(w.count_only),
    minModRevision: num(w.min_mod_revision),
    maxModRevision: num(w.max_mod_revision),
    minCreateRevision: num(w.min_create_revision),
    maxCreateRevision: num(w.max_create_revision),
  };
}

export function putFromWire(w: Wire): PutRequest {
  return {
    key: buf(w.key),
    value: buf(w.value),
    lease: big(w.lease),
    prevKv: Boolean(w.prev_kv),
    ignoreValue: Boolean(w.ignore_value),
    ignoreLease: Boolean(w.ignore_lease),
  };
}

export function deleteRangeFromWire(w: Wire): DeleteRangeRequest {
  return { key: buf(w.key), rangeEnd: optBuf(w.range_end), prevKv: Boolean(w.prev_kv) };
}

function compareFromWire(w: Wire): Compare {
  return {
    result: (w.result as number) ?? 0,
    target: (w.target as number) ?? 0,
    key: buf(w.key),
    rangeEnd: optBuf(w.range_end),
    version: num(w.version),
    createRevision: num(w.create_revision),
    modRevision: num(w.mod_revision),
    value: buf(w.value),
    lease: big(w.lease),
  };
}

function requestOpFromWire(w: Wire): RequestOp {
  switch (w.request) {
    case 'request_range':
      return { requestRange: rangeFromWire(w.request_range as Wire) };
    case 'request_put':
      return { requestPut: putFromWire(w.request_put as Wire) };
    case 'request_delete_range':
      return { requestDeleteRange: deleteRangeFromWire(w.request_delete_range as Wire) };
    case 'request_txn':
      return { requestTxn: txnFromWire(w.request_txn as Wire) };
    default:
      // etcd treats an empty RequestOp as a no-op range of nothing; refusing it is clearer and never sent by clients.
      throw new EmptyRequestOpError();
  }
}

export class EmptyRequestOpError extends Error {
  constructor() {
    super('etcdserver: request op is empty');
    this.name = 'EmptyRequestOpError';
  }
}

export function txnFromWire(w: Wire): TxnRequest {
  return {
    compare: ((w.compare as Wire[]) ?? []).map(compareFromWire),
    success: ((w.success as Wire[]) ?? []).map(requestOpFromWire),
    failure: ((w.failure as Wire[]) ?? []).map(requestOpFromWire),
  };
}

export function isTxnWithWrites(req: TxnRequest): boolean {
  const ops = [...(req.success ?? []), ...(req.failure ?? [])];
  return ops.some((op) => 'requestPut' in op || 'requestDeleteRange' in op || ('requestTxn' in op && isTxnWithWrites(op.requestTxn)));
}

export function isTxnWithPuts(req: TxnRequest): boolean {
  const ops = [...(req.success ?? []), ...(req.failure ?? [])];
  return ops.some((op) => 'requestPut' in op || ('requestTxn' in op && isTxnWithPuts(op.requestTxn)));
}

// ---- responses -----------------------------------------------------------------------------------------------

export function kvToWire(kv: KeyValue): Wire {
  return {
    key: kv.key,
    create_revision: BigInt(kv.createRevision),
    mod_revision: BigInt(kv.modRevision),
    version: BigInt(kv.version),
    value: kv.value,
    lease: kv.lease,
  };
}

const header = (revision: number): Wire => ({ revision: BigInt(revision) });

export function rangeResponseToWire(r: RangeResponse): Wire {
  return { header: header(r.header.revision), kvs: r.kvs.map(kvToWire), more: r.more, count: BigInt(r.count) };
}

export function putResponseToWire(r: PutResponse): Wire {
  return r.prevKv ? { header: header(r.header.revision), prev_kv: kvToWire(r.prevKv) } : { header: header(r.header.revision) };
}

export function deleteRangeResponseToWire(r: DeleteRangeResponse): Wire {
  return { header: header(r.header.revision), deleted: BigInt(r.deleted), prev_kvs: r.prevKvs.map(kvToWire) };
}

function responseOpToWire(op: ResponseOp): Wire {
  if ('responseRange' in op) return { response_range: rangeResponseToWire(op.responseRange) };
  if ('responsePut' in op) return { response_put: putResponseToWire(op.responsePut) };
  if ('responseDeleteRange' in op) return { response_delete_range: deleteRangeResponseToWire(op.responseDeleteRange) };
  return { response_txn: txnResponseToWire(op.responseTxn) };
}

export function txnResponseToWire(r: TxnResponse): Wire {
  return { header: header(r.header.revision), succeeded: r.succeeded, responses: r.responses.map(responseOpToWire) };
}
