// The checker's KV inputs as etcd v3 gRPC requests, and etcd's answers as the checker's outputs. Keys and
// values are latin1 strings so that string order is byte order (docs/verification.md).
import * as grpc from '@grpc/grpc-js';
import type { KvCompare, KvInput, KvOpResult, KvOutput, KvRequestOp } from '../index.ts';
import { rpcFailure, type EtcdRpc } from './etcd-rpc.ts';

// etcd's enum numbers (rpc.proto): Compare.CompareTarget and Compare.CompareResult.
const TARGET_VERSION = 0;
const TARGET_MOD = 2;
const TARGET_VALUE = 3;
const RESULT_EQUAL = 0;

interface Kv {
  key: Buffer;
  value: Buffer;
  mod_revision: bigint;
  version: bigint;
}
interface Header {
  header: { revision: bigint } | null;
}
interface RangeResponse extends Header {
  kvs: Kv[];
}
interface TxnResponse extends Header {
  succeeded: boolean;
  responses: Array<{ response?: string; response_range?: RangeResponse | null; response_delete_range?: { deleted: bigint } | null }>;
}

export const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');
export const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

function requestOp(op: KvRequestOp): Record<string, unknown> {
  switch (op.type) {
    case 'put':
      return { request_put: { key: bytes(op.key), value: bytes(op.value), lease: op.lease ?? 0 } };
    case 'get':
      return { request_range: { key: bytes(op.key) } };
    case 'delete':
      return { request_delete_range: { key: bytes(op.key) } };
  }
}

function compare(c: KvCompare): Record<string, unknown> {
  const key = bytes(c.key);
  if (c.target === 'value') return { result: RESULT_EQUAL, target: TARGET_VALUE, key, value: bytes(c.equals) };
  if (c.target === 'modRevision') return { result: RESULT_EQUAL, target: TARGET_MOD, key, mod_revision: c.equals };
  return { result: RESULT_EQUAL, target: TARGET_VERSION, key, version: c.equals };
}

function getResult(r: RangeResponse | null | undefined): KvOpResult {
  const kv = r?.kvs[0];
  if (kv === undefined) return { value: null };
  return { value: text(kv.value), modRevision: Number(kv.mod_revision), version: Number(kv.version) };
}

const revisionOf = (r: Header): number | undefined => (r.header === null ? undefined : Number(r.header.revision));

/**
 * Runs one op. Resolves with the checker's output; a definite lease refusal is an output too. Rejects with the
 * gRPC error for everything else (the caller decides unknown or failed).
 */
export async function executeKv(rpc: EtcdRpc, input: KvInput, deadlineMs: number): Promise<KvOutput> {
  try {
    return await execute(rpc, input, deadlineMs);
  } catch (err) {
    const f = rpcFailure(err);
    if (f.code === grpc.status.NOT_FOUND && f.details === 'etcdserver: requested lease not found') return { error: 'lease-not-found' };
    if (f.code === grpc.status.FAILED_PRECONDITION && f.details === 'etcdserver: lease already exists') return { error: 'lease-exists' };
    throw err;
  }
}

async function execute(rpc: EtcdRpc, input: KvInput, deadlineMs: number): Promise<KvOutput> {
  switch (input.type) {
    case 'put': {
      const r = await rpc.unary<Header>('KV', 'Put', { key: bytes(input.key), value: bytes(input.value), lease: input.lease ?? 0 }, deadlineMs);
      return { revision: revisionOf(r) };
    }
    case 'get': {
      const r = await rpc.unary<RangeResponse>('KV', 'Range', { key: bytes(input.key) }, deadlineMs);
      return { revision: revisionOf(r), ...getResult(r) };
    }
    case 'delete': {
      const r = await rpc.unary<Header & { deleted: bigint }>('KV', 'DeleteRange', { key: bytes(input.key) }, deadlineMs);
      return { revision: revisionOf(r), deleted: Number(r.deleted) };
    }
    case 'txn': {
      const req = { compare: input.compare.map(compare), success: input.success.map(requestOp), failure: input.failure.map(requestOp) };
      const r = await rpc.unary<TxnResponse>('KV', 'Txn', req, deadlineMs);
      const branch = r.succeeded ? input.success : input.failure;
      const results = branch.map((op, i): KvOpResult | undefined => {
        const resp = r.responses[i];
        if (op.type === 'get') return getResult(resp?.response_range);
        if (op.type === 'delete') return { deleted: Number(resp?.response_delete_range?.deleted ?? 0n) };
        return undefined;
      });
      return { revision: revisionOf(r), succeeded: r.succeeded, results };
    }
    case 'lease-grant':
      // Lease ops leave the revision out: a revoke bumps it only when keys were attached.
      await rpc.unary('Lease', 'LeaseGrant', { ID: input.leaseId, TTL: input.ttl }, deadlineMs);
      return {};
    case 'lease-revoke':
      await rpc.unary('Lease', 'LeaseRevoke', { ID: input.leaseId }, deadlineMs);
      return {};
  }
}
