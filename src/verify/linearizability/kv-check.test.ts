import { describe, expect, it } from 'vitest';
import { checkLinearizability } from './check.ts';
import { checkKvHistory } from './kv-check.ts';
import { KvModel } from './kv-model.ts';
import { casInput, type KvInput, type KvOperation, type KvOutput } from './kv-types.ts';
import { simulateKvHistory } from './test-helpers.ts';

const put = (key: string, value: string, lease?: number): KvInput => ({ type: 'put', key, value, lease });
const get = (key: string): KvInput => ({ type: 'get', key });
const del = (key: string): KvInput => ({ type: 'delete', key });

function op(clientId: number, call: number, ret: number | undefined, input: KvInput, output?: KvOutput): KvOperation {
  return ret === undefined ? { clientId, call, input } : { clientId, call, return: ret, input, output: output ?? {} };
}

describe('KV linearizability: known histories', () => {
  it('accepts concurrent ops in either order', () => {
    const writeFirst = [op(1, 0, 10, put('x', 'a')), op(2, 5, 15, get('x'), { value: 'a' })];
    const readFirst = [op(1, 0, 10, put('x', 'a')), op(2, 5, 15, get('x'), { value: null })];
    expect(checkKvHistory(writeFirst).verdict).toBe('ok');
    expect(checkKvHistory(readFirst).verdict).toBe('ok');
  });

  it('rejects a stale read after a completed write, with a readable counterexample', () => {
    const history = [
      op(1, 0, 10, put('x', 'a')),
      op(1, 20, 30, put('x', 'b')),
      op(2, 40, 50, get('x'), { value: 'a' }),
    ];
    const result = checkKvHistory(history);
    expect(result.verdict).toBe('illegal');
    expect(result.linearizability.verdict).toBe('illegal');
    if (result.linearizability.verdict !== 'illegal') return;
    const cx = result.linearizability.counterexample;
    expect(cx.prefix.map((p) => p.index)).toEqual([0, 1]);
    expect(cx.deadline.index).toBe(2);
    expect(cx.deadline.reason).toBe('read "x" = "a", but it holds "b"');
    expect(cx.text).toContain('Longest linearizable prefix: 2 operations');
    expect(cx.text).toContain('#2 c2 get("x") -> "a": read "x" = "a", but it holds "b"');
    expect(cx.text).toMatch(/#2 c2 +\s*\[-\]\s+get\("x"\)/);
  });

  it('rejects a lost update: two CAS from the same value both succeed', () => {
    const history = [
      op(1, 0, 5, put('x', '0')),
      op(1, 10, 30, casInput('x', '0', '1'), { succeeded: true }),
      op(2, 12, 32, casInput('x', '0', '2'), { succeeded: true }),
      op(3, 40, 50, get('x'), { value: '2' }),
    ];
    expect(checkKvHistory(history).verdict).toBe('illegal');
    // One winner, one loser that read the winner's value, is fine.
    const fixed = [...history.slice(0, 2), op(2, 12, 32, casInput('x', '0', '2'), { succeeded: false, results: [{ value: '1' }] }), op(3, 40, 50, get('x'), { value: '1' })];
    expect(checkKvHistory(fixed).verdict).toBe('ok');
  });

  it('rejects a read of a value never written', () => {
    const history = [op(1, 0, 10, put('x', 'a')), op(2, 0, 10, get('x'), { value: 'zzz' })];
    const result = checkKvHistory(history);
    expect(result.verdict).toBe('illegal');
    expect(result.text).toContain('read "x" = "zzz"');
  });

  it('lets a write with unknown outcome take effect, or not, but only once', () => {
    const unknownPut = op(1, 0, undefined, put('x', 'a'));
    expect(checkKvHistory([unknownPut, op(2, 100, 110, get('x'), { value: 'a' })]).verdict).toBe('ok');
    expect(checkKvHistory([unknownPut, op(2, 100, 110, get('x'), { value: null })]).verdict).toBe('ok');
    // It can take effect late, between two reads...
    expect(checkKvHistory([unknownPut, op(2, 100, 110, get('x'), { value: null }), op(2, 120, 130, get('x'), { value: 'a' })]).verdict).toBe('ok');
    // ...but once seen it cannot un-happen.
    expect(checkKvHistory([unknownPut, op(2, 100, 110, get('x'), { value: 'a' }), op(2, 120, 130, get('x'), { value: null })]).verdict).toBe('illegal');
    // Not before its call.
    expect(checkKvHistory([op(2, 0, 10, get('x'), { value: 'a' }), { ...unknownPut, call: 20 }]).verdict).toBe('illegal');
  });

  it('bounds when an unknown outcome can take effect, when told the window', () => {
    const history = [op(1, 0, undefined, put('x', 'a')), op(2, 100, 110, get('x'), { value: null }), op(2, 120, 130, get('x'), { value: 'a' })];
    expect(checkKvHistory(history).verdict).toBe('ok');
    expect(checkKvHistory(history, { unknownOutcomeWindow: 150 }).verdict).toBe('ok');
    expect(checkKvHistory(history, { unknownOutcomeWindow: 50 }).verdict).toBe('illegal');
  });

  it('checks delete counts and versions', () => {
    expect(checkKvHistory([op(1, 0, 1, put('x', 'a')), op(1, 2, 3, del('x'), { deleted: 1 }), op(1, 4, 5, del('x'), { deleted: 0 })]).verdict).toBe('ok');
    expect(checkKvHistory([op(1, 0, 1, put('x', 'a')), op(1, 2, 3, del('x'), { deleted: 0 })]).verdict).toBe('illegal');
    expect(checkKvHistory([op(1, 0, 1, put('x', 'a')), op(1, 2, 3, put('x', 'b')), op(1, 4, 5, get('x'), { value: 'b', version: 2 })]).verdict).toBe('ok');
    expect(checkKvHistory([op(1, 0, 1, put('x', 'a')), op(1, 2, 3, put('x', 'b')), op(1, 4, 5, get('x'), { value: 'b', version: 1 })]).verdict).toBe('illegal');
  });

  it('models leases as attachments: revoke deletes attached keys, unknown leases are refused', () => {
    const grant = op(1, 0, 1, { type: 'lease-grant', leaseId: 7, ttl: 10 });
    const attach = op(1, 2, 3, put('x', 'a', 7));
    const revoke = op(2, 4, 5, { type: 'lease-revoke', leaseId: 7 });
    expect(checkKvHistory([grant, attach, revoke, op(3, 6, 7, get('x'), { value: null })]).verdict).toBe('ok');
    expect(checkKvHistory([grant, attach, revoke, op(3, 6, 7, get('x'), { value: 'a' })]).verdict).toBe('illegal');
    expect(checkKvHistory([op(1, 0, 1, put('x', 'a', 9), { error: 'lease-not-found' })]).verdict).toBe('ok');
    expect(checkKvHistory([op(1, 0, 1, put('x', 'a', 9))]).verdict).toBe('illegal');
    expect(checkKvHistory([grant, op(2, 2, 3, { type: 'lease-grant', leaseId: 7, ttl: 5 }, { error: 'lease-exists' })]).verdict).toBe('ok');
    expect(checkKvHistory([op(1, 0, 1, { type: 'lease-revoke', leaseId: 7 }, { error: 'lease-not-found' })]).verdict).toBe('ok');
    // A key re-put without the lease is detached and survives the revoke.
    expect(checkKvHistory([grant, attach, op(1, 3.5, 3.6, put('x', 'b')), revoke, op(3, 6, 7, get('x'), { value: 'b' })]).verdict).toBe('ok');
  });

  it('partitions by key, and links keys through txns and leases', () => {
    const model = new KvModel();
    const history = [
      op(1, 0, 1, put('a', '1')),
      op(1, 2, 3, put('b', '1')),
      op(1, 4, 5, put('c', '1', 3)),
      op(1, 6, 7, put('d', '1', 3)),
      op(1, 8, 9, { type: 'txn', compare: [{ key: 'a', target: 'value', equals: '1' }], success: [put('e', '2') as never], failure: [] }),
    ];
    expect(model.partition(history).map((g) => g.sort())).toEqual([[0, 4], [1], [2, 3]]);
    expect(new KvModel({ revisions: 'exact' }).partition(history)).toHaveLength(1);
  });
});

describe('KV linearizability: revisions', () => {
  it('monotonic: a later write must have a higher revision, a later read not a lower one', () => {
    const ok = [op(1, 0, 1, put('a', '1'), { revision: 2 }), op(2, 2, 3, put('b', '1'), { revision: 3 }), op(1, 4, 5, get('a'), { value: '1', modRevision: 2, revision: 3 })];
    expect(checkKvHistory(ok).verdict).toBe('ok');
    const staleHeader = [...ok.slice(0, 2), op(1, 4, 5, get('a'), { value: '1', revision: 2 })];
    const result = checkKvHistory(staleHeader);
    expect(result.verdict).toBe('illegal');
    expect(result.linearizability.verdict).toBe('ok'); // per key it is fine; the cross-key rule catches it
    expect(result.revisionViolations[0].kind).toBe('real-time-order');
    expect(result.text).toContain('op #2 (client 1, called at 4) answered revision 2');
    const sameRevision = [op(1, 0, 1, put('a', '1'), { revision: 2 }), op(2, 0, 1, put('b', '1'), { revision: 2 })];
    expect(checkKvHistory(sameRevision).revisionViolations[0].kind).toBe('duplicate-write-revision');
  });

  it('monotonic: a get must report the mod revision of the write it reads', () => {
    const history = [op(1, 0, 1, put('a', '1'), { revision: 5 }), op(1, 2, 3, get('a'), { value: '1', modRevision: 4, revision: 5 })];
    const result = checkKvHistory(history);
    expect(result.verdict).toBe('illegal');
    expect(result.text).toContain('read "a" with mod revision 4, but its last write was at 5');
    expect(checkKvHistory(history, { revisions: 'off' }).verdict).toBe('ok');
  });

  it('exact: each write adds exactly one, reads answer the current revision', () => {
    const history = [
      op(1, 0, 1, put('a', '1'), { revision: 2 }),
      op(1, 2, 3, del('zz'), { deleted: 0, revision: 2 }),
      op(1, 4, 5, put('b', '1'), { revision: 3 }),
      op(2, 4, 5, get('a'), { value: '1', revision: 3 }),
    ];
    expect(checkKvHistory(history, { revisions: 'exact', initialRevision: 1 }).verdict).toBe('ok');
    const skipped = [...history.slice(0, 2), op(1, 4, 5, put('b', '1'), { revision: 4 })];
    expect(checkKvHistory(skipped, { revisions: 'exact' }).verdict).toBe('illegal');
    expect(checkKvHistory(skipped, { revisions: 'monotonic' }).verdict).toBe('ok');
  });

  it('exact: two concurrent writes with swapped revisions are ordered by revision', () => {
    const history = [op(1, 0, 10, put('a', '1'), { revision: 3 }), op(2, 0, 10, put('a', '2'), { revision: 2 }), op(3, 20, 21, get('a'), { value: '1', revision: 3 })];
    expect(checkKvHistory(history, { revisions: 'exact' }).verdict).toBe('ok');
    const wrongValue = [...history.slice(0, 2), op(3, 20, 21, get('a'), { value: '2', revision: 3 })];
    expect(checkKvHistory(wrongValue, { revisions: 'exact' }).verdict).toBe('illegal');
    expect(checkKvHistory(wrongValue, { revisions: 'monotonic' }).verdict).toBe('illegal');
  });
});

describe('KV linearizability: budget and scale', () => {
  it('returns unknown instead of searching forever', () => {
    const history = simulateKvHistory({ seed: 3, clients: 5, keys: 1, operations: 300, unknownRate: 0.1 });
    const byStep = checkLinearizability(new KvModel(), history, { maxSteps: 50 });
    expect(byStep).toMatchObject({ verdict: 'unknown', reason: 'step-budget' });
    let t = 0;
    const byTime = checkLinearizability(new KvModel(), history, { timeoutMs: 2, now: () => (t += 1) });
    expect(byTime).toMatchObject({ verdict: 'unknown', reason: 'time-budget' });
  });

  const timed = (label: string, history: KvOperation[], options: Parameters<typeof checkKvHistory>[1] = {}) => {
    const started = process.hrtime.bigint();
    const result = checkKvHistory(history, options);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const { steps, partitions } = result.linearizability.stats;
    console.log(`${label}: ${ms.toFixed(0)} ms (${Math.round(history.length / (ms / 1000))} ops/s), ${steps} steps, ${partitions} partitions`);
    return { result, ms };
  };

  it('checks 2,000 ops of 5 clients on 4 keys, some with unknown outcomes, within seconds', () => {
    const history = simulateKvHistory({ seed: 42, clients: 5, keys: 4, operations: 2000, unknownRate: 0.02, revisions: true });
    expect(history).toHaveLength(2000);
    expect(history.filter((op) => op.return === undefined).length).toBeGreaterThan(40);
    const { result, ms } = timed('2,000 ops / 4 keys / unknown outcomes', history);
    expect(result.text).toMatch(/^OK/);
    expect(ms).toBeLessThan(8000);
  });

  it('checks 2,000 ops with leases linking every key into one partition', () => {
    const history = simulateKvHistory({ seed: 42, clients: 5, keys: 4, operations: 2000, leases: true, revisions: true });
    const { result } = timed('2,000 ops / 4 keys / leases', history);
    expect(result.text).toMatch(/^OK/);
    expect(result.linearizability.stats.partitions).toBe(1);
  });

  it('checks 2,000 ops with leases and unknown outcomes, given an unknown-outcome window', () => {
    const history = simulateKvHistory({ seed: 1, clients: 5, keys: 4, operations: 2000, unknownRate: 0.02, leases: true, revisions: true });
    const { result } = timed('2,000 ops / 4 keys / leases / unknown outcomes / window 200', history, { unknownOutcomeWindow: 200 });
    expect(result.text).toMatch(/^OK/);
  });

  it('checks 500 ops on two keys with exact revisions', () => {
    const history = simulateKvHistory({ seed: 7, clients: 5, keys: 2, operations: 500, unknownRate: 0.01, revisions: true });
    const { result } = timed('500 ops / 2 keys / exact revisions', history, { revisions: 'exact', initialRevision: 1 });
    expect(result.text).toMatch(/^OK/);
  });
});
