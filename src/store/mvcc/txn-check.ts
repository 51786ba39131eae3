// Request validation done before anything is applied: empty keys, conflicting put flags, the txn op budget and
// etcd's duplicate-key rule. All of it is static (no store state), so a rejected request changes nothing.

import {
  errDuplicateKey,
  errEmptyKey,
  errLeaseProvided,
  errTooManyOps,
  errValueProvided,
} from './errors.ts';
import { rangeContains, toKeyRange } from './key-range.ts';
import type { DeleteRangeRequest, KeyRange, PutRequest, RangeRequest, RequestOp, TxnRequest } from './types.ts';

export const DEFAULT_MAX_TXN_OPS = 128;

export function checkRangeRequest(req: RangeRequest): void {
  if (req.key.length === 0) throw errEmptyKey();
}

export function checkPutRequest(req: PutRequest): void {
  if (req.key.length === 0) throw errEmptyKey();
  if (req.ignoreValue && req.value !== undefined && req.value.length !== 0) throw errValueProvided();
  if (req.ignoreLease && req.lease !== undefined && req.lease !== 0n) throw errLeaseProvided();
}

export function checkDeleteRequest(req: DeleteRangeRequest): void {
  if (req.key.length === 0) throw errEmptyKey();
}

/** Like etcd: the budget is per level, and a nested txn gets what its parent's widest list left over. */
export function checkTxnRequest(req: TxnRequest, maxTxnOps = DEFAULT_MAX_TXN_OPS): void {
  const compare = req.compare ?? [];
  const success = req.success ?? [];
  const failure = req.failure ?? [];
  const widest = Math.max(compare.length, success.length, failure.length);
  if (widest > maxTxnOps) throw errTooManyOps();
  for (const c of compare) if (c.key.length === 0) throw errEmptyKey();
  for (const op of success) checkRequestOp(op, maxTxnOps - widest);
  for (const op of failure) checkRequestOp(op, maxTxnOps - widest);
  checkDuplicates(success);
  checkDuplicates(failure);
}

function checkRequestOp(op: RequestOp, maxTxnOps: number): void {
  if ('requestRange' in op) checkRangeRequest(op.requestRange);
  else if ('requestPut' in op) checkPutRequest(op.requestPut);
  else if ('requestDeleteRange' in op) checkDeleteRequest(op.requestDeleteRange);
  else checkTxnRequest(op.requestTxn, maxTxnOps);
}

interface Writes {
  puts: Map<string, Buffer>;
  dels: KeyRange[];
}

const hitsDelete = (dels: KeyRange[], key: Buffer) => dels.some((d) => rangeContains(d, key));

/**
 * etcd's rule for one op list, nested txns included: no key may be put twice, and no put may fall inside a
 * deleted range. Deletes may overlap each other, and a nested txn may put the same key in both branches
 * (only one of them runs).
 */
function checkDuplicates(ops: RequestOp[]): Writes {
  const dels: KeyRange[] = [];
  for (const op of ops) {
    if ('requestDeleteRange' in op) dels.push(toKeyRange(op.requestDeleteRange.key, op.requestDeleteRange.rangeEnd));
  }
  const puts = new Map<string, Buffer>();
  const addPut = (id: string, key: Buffer, allowed?: Map<string, Buffer>) => {
    if (puts.has(id) && !allowed?.has(id)) throw errDuplicateKey();
    if (hitsDelete(dels, key)) throw errDuplicateKey();
    puts.set(id, key);
  };
  for (const op of ops) {
    if (!('requestTxn' in op)) continue;
    const then = checkDuplicates(op.requestTxn.success ?? []);
    const otherwise = checkDuplicates(op.requestTxn.failure ?? []);
    for (const [id, key] of then.puts) addPut(id, key);
    for (const [id, key] of otherwise.puts) addPut(id, key, then.puts);
    dels.push(...then.dels, ...otherwise.dels);
  }
  for (const op of ops) {
    if ('requestPut' in op) addPut(op.requestPut.key.toString('latin1'), op.requestPut.key);
  }
  return { puts, dels };
}
