import { describe, expect, it } from 'vitest';
import { MvccErrorCode, type MvccError } from './errors.ts';
import { checkTxnRequest } from './txn-check.ts';
import { CompareResult, CompareTarget, type RequestOp, type TxnRequest } from './types.ts';

const b = (s: string) => Buffer.from(s);
const put = (k: string): RequestOp => ({ requestPut: { key: b(k), value: b('') } });
const del = (k: string, end?: string): RequestOp => ({ requestDeleteRange: { key: b(k), rangeEnd: end === undefined ? undefined : b(end) } });
const txn = (success: RequestOp[], failure: RequestOp[] = []): RequestOp => ({ requestTxn: { success, failure } });

function code(req: TxnRequest, max?: number): MvccErrorCode | undefined {
  try {
    checkTxnRequest(req, max);
    return undefined;
  } catch (err) {
    return (err as MvccError).code;
  }
}

describe('checkTxnRequest', () => {
  it('bounds each list by max ops, nested txns by what the parent left', () => {
    const puts = (n: number) => Array.from({ length: n }, (_, i) => put(`k${i}`));
    expect(code({ success: puts(4) }, 4)).toBeUndefined();
    expect(code({ success: puts(5) }, 4)).toBe(MvccErrorCode.TooManyOps);
    expect(code({ failure: puts(5) }, 4)).toBe(MvccErrorCode.TooManyOps);
    const compare = Array.from({ length: 5 }, () => ({ key: b('a'), target: CompareTarget.Version, result: CompareResult.Equal }));
    expect(code({ compare }, 4)).toBe(MvccErrorCode.TooManyOps);
    expect(code({ success: [txn([put('x')]), put('y')] }, 3)).toBeUndefined();
    expect(code({ success: [txn([put('x'), put('z')]), put('y')] }, 3)).toBe(MvccErrorCode.TooManyOps);
  });

  it('rejects empty keys anywhere', () => {
    expect(code({ success: [put('')] })).toBe(MvccErrorCode.EmptyKey);
    expect(code({ failure: [txn([{ requestRange: { key: b('') } }])] })).toBe(MvccErrorCode.EmptyKey);
    expect(code({ compare: [{ key: b(''), target: CompareTarget.Mod, result: CompareResult.Equal }] })).toBe(MvccErrorCode.EmptyKey);
  });

  it('applies the duplicate-key rule like etcd', () => {
    const dup = MvccErrorCode.DuplicateKey;
    expect(code({ success: [put('a'), put('a')] })).toBe(dup);
    expect(code({ success: [put('a')], failure: [put('a')] })).toBeUndefined();
    expect(code({ success: [put('b'), del('a', 'c')] })).toBe(dup);
    expect(code({ success: [put('c'), del('a', 'c')] })).toBeUndefined();
    expect(code({ success: [put('zz'), del('a', '\0')] })).toBe(dup);
    expect(code({ success: [del('a', 'c'), del('b')] })).toBeUndefined();
    expect(code({ success: [put('a'), txn([put('a')])] })).toBe(dup);
    expect(code({ success: [put('a'), txn([], [put('a')])] })).toBe(dup);
    expect(code({ success: [txn([put('a')], [put('a')])] })).toBeUndefined();
    expect(code({ success: [put('a'), txn([del('a')])] })).toBe(dup);
    expect(code({ success: [txn([put('a')]), txn([put('a')])] })).toBe(dup);
    expect(code({ success: [txn([del('a')]), txn([put('a')])] })).toBe(dup);
    // etcd checks a child's puts only against deletes seen before it.
    expect(code({ success: [txn([put('a')]), txn([del('a')])] })).toBeUndefined();
  });
});
