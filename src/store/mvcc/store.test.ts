import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MvccErrorCode, type MvccError } from './errors.ts';
import { prefixEnd } from './key-range.ts';
import type { CommittedBatch, MvccStore } from './store.ts';
import { b, holdWrites, show, tempStore, type TempStore } from './test-helpers.ts';
import { CompareResult, CompareTarget, EventType, SortOrder, SortTarget, type RequestOp } from './types.ts';

let t: TempStore;
let s: MvccStore;
beforeEach(async () => {
  t = await tempStore();
  s = t.store;
});
afterEach(async () => {
  await t.cleanup();
});

const put = (key: string, value: string, extra: object = {}) => s.writeBatch((x) => x.put({ key: b(key), value: b(value), ...extra }));
const del = (key: string, rangeEnd?: string, extra: object = {}) =>
  s.writeBatch((x) => x.deleteRange({ key: b(key), rangeEnd: rangeEnd === undefined ? undefined : b(rangeEnd), ...extra }));
const keys = (r: { kvs: { key: Buffer }[] }) => r.kvs.map((kv) => kv.key.toString());
function codeOf(fn: () => unknown): MvccErrorCode | undefined {
  try {
    fn();
  } catch (err) {
    return (err as MvccError).code;
  }
  return undefined;
}
async function codeOfAsync(p: Promise<unknown>): Promise<MvccErrorCode | undefined> {
  try {
    await p;
  } catch (err) {
    return (err as MvccError).code;
  }
  return undefined;
}

describe('revisions and versions', () => {
  it('starts at 1; each write request adds exactly one', async () => {
    expect(s.revision).toBe(1);
    expect((await put('a', '1')).header.revision).toBe(2);
    expect((await put('a', '2')).header.revision).toBe(3);
    expect(show(s.range({ key: b('a') }).kvs[0])).toEqual({ key: 'a', value: '2', create: 2, mod: 3, ver: 2, lease: 0n });
    const d = await del('a');
    expect(d).toMatchObject({ deleted: 1, header: { revision: 4 } });
    expect(s.range({ key: b('a') }).kvs).toEqual([]);
    await put('a', '3');
    expect(show(s.range({ key: b('a') }).kvs[0])).toEqual({ key: 'a', value: '3', create: 5, mod: 5, ver: 1, lease: 0n });
  });

  it('does not bump on deleting a missing key or a txn without writes', async () => {
    await put('a', '1');
    expect(await del('zz')).toMatchObject({ deleted: 0, header: { revision: 2 } });
    const r = await s.writeBatch((x) => x.txn({ success: [{ requestRange: { key: b('a') } }] }));
    expect(r.header.revision).toBe(2);
    expect(s.revision).toBe(2);
    const r2 = await s.writeBatch((x) => x.txn({ success: [{ requestDeleteRange: { key: b('nope') } }] }));
    expect(r2.header.revision).toBe(2);
  });

  it('shares one revision across a txn with increasing sub-revisions', async () => {
    const seen: CommittedBatch[] = [];
    s.onCommitted((c) => seen.push(c));
    await put('c', 'x');
    const r = await s.writeBatch((x) =>
      x.txn({
        success: [
          { requestPut: { key: b('a'), value: b('1') } },
          { requestPut: { key: b('b'), value: b('2') } },
          { requestDeleteRange: { key: b('c') } },
        ],
      }),
    );
    expect(r.header.revision).toBe(3);
    expect(s.range({ key: b('a'), rangeEnd: b('z') }).kvs.map((kv) => kv.modRevision)).toEqual([3, 3]);
    const events = seen[1].events;
    expect(events.map((e) => [e.type, e.kv.key.toString(), e.kv.modRevision])).toEqual([
      [EventType.Put, 'a', 3],
      [EventType.Put, 'b', 3],
      [EventType.Delete, 'c', 3],
    ]);
    expect(show(events[2].prevKv)).toMatchObject({ key: 'c', value: 'x', mod: 2 });
    expect(seen[1]).toMatchObject({ previousRevision: 2, revision: 3 });
  });
});

describe('range', () => {
  beforeEach(async () => {
    await s.writeBatch((x) => {
      for (const [k, v] of [['a', '3'], ['b', '1'], ['c', '2'], ['d', '0']]) x.put({ key: b(k), value: b(v) }); // revs 2..5
    });
    await put('b', '9'); // rev 6
  });

  it('follows the range_end conventions', () => {
    expect(keys(s.range({ key: b('b') }))).toEqual(['b']);
    expect(keys(s.range({ key: b('b'), rangeEnd: b('d') }))).toEqual(['b', 'c']);
    expect(keys(s.range({ key: b('b'), rangeEnd: Buffer.from([0]) }))).toEqual(['b', 'c', 'd']);
    expect(keys(s.range({ key: Buffer.from([0]), rangeEnd: Buffer.from([0]) }))).toEqual(['a', 'b', 'c', 'd']);
    expect(keys(s.range({ key: b('a'), rangeEnd: prefixEnd(b('a')) }))).toEqual(['a']);
    expect(keys(s.range({ key: b('c'), rangeEnd: b('a') }))).toEqual([]);
    expect(codeOf(() => s.range({ key: Buffer.alloc(0) }))).toBe(MvccErrorCode.EmptyKey);
  });

  it('applies limit with more and count ignoring it; count_only; keys_only', () => {
    const all = { key: b('a'), rangeEnd: b('z') };
    expect(s.range({ ...all, limit: 2 })).toMatchObject({ more: true, count: 4 });
    expect(keys(s.range({ ...all, limit: 2 }))).toEqual(['a', 'b']);
    expect(s.range({ ...all, limit: 4 })).toMatchObject({ more: false, count: 4 });
    expect(s.range({ ...all, countOnly: true })).toMatchObject({ kvs: [], more: false, count: 4 });
    const ko = s.range({ ...all, keysOnly: true });
    expect(ko.kvs.every((kv) => kv.value.length === 0)).toBe(true);
    expect(s.range({ key: b('a') }).kvs[0].value.toString()).toBe('3'); // keys_only did not touch the store
  });

  it('sorts by every target and order', () => {
    const all = { key: b('a'), rangeEnd: b('z') };
    expect(keys(s.range({ ...all, sortOrder: SortOrder.Descend }))).toEqual(['d', 'c', 'b', 'a']);
    expect(keys(s.range({ ...all, sortTarget: SortTarget.Value }))).toEqual(['d', 'c', 'a', 'b']);
    expect(keys(s.range({ ...all, sortTarget: SortTarget.Value, sortOrder: SortOrder.Descend }))).toEqual(['b', 'a', 'c', 'd']);
    expect(keys(s.range({ ...all, sortTarget: SortTarget.Mod, sortOrder: SortOrder.Descend }))).toEqual(['b', 'd', 'c', 'a']);
    expect(keys(s.range({ ...all, sortTarget: SortTarget.Create, sortOrder: SortOrder.Descend }))).toEqual(['d', 'c', 'b', 'a']);
    expect(keys(s.range({ ...all, sortTarget: SortTarget.Version, sortOrder: SortOrder.Descend }))).toEqual(['b', 'a', 'c', 'd']);
    // Sorted requests fetch everything before truncating.
    const top = s.range({ ...all, sortTarget: SortTarget.Mod, sortOrder: SortOrder.Descend, limit: 1 });
    expect(keys(top)).toEqual(['b']);
    expect(top).toMatchObject({ more: true, count: 4 });
  });

  it('filters by mod and create revision, count unaffected', () => {
    const all = { key: b('a'), rangeEnd: b('z') };
    expect(keys(s.range({ ...all, minModRevision: 4 }))).toEqual(['b', 'c', 'd']);
    expect(keys(s.range({ ...all, maxModRevision: 4 }))).toEqual(['a', 'c']);
    expect(keys(s.range({ ...all, minCreateRevision: 3, maxCreateRevision: 4 }))).toEqual(['b', 'c']);
    const r = s.range({ ...all, minModRevision: 4, limit: 1 });
    expect(keys(r)).toEqual(['b']);
    expect(r).toMatchObject({ more: true, count: 4 });
  });

  it('reads old revisions; header says the current one', () => {
    const r = s.range({ key: b('b'), revision: 3 });
    expect(show(r.kvs[0])).toMatchObject({ value: '1', mod: 3, ver: 1 });
    expect(r.header.revision).toBe(6);
    expect(keys(s.range({ key: b('a'), rangeEnd: b('z'), revision: 2 }))).toEqual(['a']);
    expect(s.range({ key: b('a'), revision: -5 }).kvs.length).toBe(1);
    expect(codeOf(() => s.range({ key: b('a'), revision: 7 }))).toBe(MvccErrorCode.FutureRev);
  });
});

describe('latest values beyond the memory budget', () => {
  it('are read back from disk for ranges, compares, prevKv and ignore_value, also after a restart', async () => {
    const small = await tempStore({ residentValueBytes: 2048 });
    try {
      let st = small.store;
      const v = (i: number, round: number) => `${round}:${i}:`.padEnd(1024, String(i));
      for (let i = 0; i < 10; i++) await st.writeBatch((x) => x.put({ key: b(`k${i}`), value: b(v(i, 0)) }));
      expect(st.residentValueBytes).toBeLessThanOrEqual(2048);
      const all = () => st.range({ key: b('k'), rangeEnd: b('l') }).kvs.map((kv) => kv.value.toString());
      expect(all()).toEqual(Array.from({ length: 10 }, (_, i) => v(i, 0)));
      // k0 was written first: its value is released.
      const put = await st.writeBatch((x) => x.put({ key: b('k0'), value: b(v(0, 1)), prevKv: true }));
      expect(put.prevKv?.value.toString()).toBe(v(0, 0));
      await st.writeBatch((x) => x.put({ key: b('k1'), ignoreValue: true, lease: 0n }));
      expect(st.range({ key: b('k1') }).kvs[0].value.toString()).toBe(v(1, 0));
      const txn = await st.writeBatch((x) =>
        x.txn({ compare: [{ key: b('k2'), target: CompareTarget.Value, result: CompareResult.Equal, value: b(v(2, 0)) }], success: [], failure: [] }),
      );
      expect(txn.succeeded).toBe(true);
      // Events carry the previous key-value as it is held; readBack gives its value.
      const prevs: string[] = [];
      st.onCommitted((c) => prevs.push(...c.events.map((e) => `${e.kv.key.toString()}:${e.prevKv === undefined ? '-' : st.readBack(e.prevKv)?.value.toString()}`)));
      const del = await st.writeBatch((x) => x.deleteRange({ key: b('k3'), prevKv: true }));
      expect(del.prevKvs.map((kv) => kv.value.toString())).toEqual([v(3, 0)]);
      await st.writeBatch((x) => x.deleteRange({ key: b('k4') }));
      expect(prevs).toEqual([`k3:${v(3, 0)}`, `k4:${v(4, 0)}`]);
      st = await small.reopen();
      expect(st.residentValueBytes).toBeLessThanOrEqual(2048);
      expect(all()).toEqual([v(0, 1), ...[1, 2, 5, 6, 7, 8, 9].map((i) => v(i, 0))]);
    } finally {
      await small.cleanup();
    }
  });
});

describe('put', () => {
  it('keeps the latest value and the key in memory of their own, never in a slice of a shared buffer pool', async () => {
    // A pooled slice would keep its whole 8 KiB slab alive for as long as the key keeps the value.
    const value = Buffer.from('v'.repeat(1024));
    await s.writeBatch((x) => x.put({ key: Buffer.from('k'), value: value.subarray(0, 1000) }));
    const kv = s.range({ key: b('k') }).kvs[0];
    expect(kv.value.toString()).toBe('v'.repeat(1000));
    expect(kv.value.buffer.byteLength).toBe(1000);
    expect(kv.key.buffer.byteLength).toBe(1);
  });

  it('returns prev_kv and handles ignore_value / ignore_lease', async () => {
    await put('k', 'v1', { lease: 7n });
    const r = await put('k', 'v2', { prevKv: true, ignoreLease: true });
    expect(show(r.prevKv)).toMatchObject({ value: 'v1', lease: 7n });
    expect(show(s.range({ key: b('k') }).kvs[0])).toMatchObject({ value: 'v2', lease: 7n, ver: 2 });
    await s.writeBatch((x) => x.put({ key: b('k'), ignoreValue: true, lease: 9n }));
    expect(show(s.range({ key: b('k') }).kvs[0])).toMatchObject({ value: 'v2', lease: 9n, ver: 3 });
    expect(await codeOfAsync(put('missing', '', { ignoreValue: true }))).toBe(MvccErrorCode.KeyNotFound);
    expect(await codeOfAsync(put('missing', '', { ignoreLease: true }))).toBe(MvccErrorCode.KeyNotFound);
    expect(await codeOfAsync(put('k', 'x', { ignoreValue: true }))).toBe(MvccErrorCode.ValueProvided);
    expect(await codeOfAsync(put('k', '', { ignoreLease: true, lease: 3n }))).toBe(MvccErrorCode.LeaseProvided);
    expect(await codeOfAsync(put('', 'x'))).toBe(MvccErrorCode.EmptyKey);
    expect(s.revision).toBe(4);
    expect((await put('fresh', 'x', { prevKv: true })).prevKv).toBeUndefined();
  });

  it('refuses writes outside a batch', () => {
    expect(() => s.put({ key: b('a'), value: b('b') })).toThrow(/outside a batch/);
  });
});

describe('delete range', () => {
  it('deletes a range with prev_kvs', async () => {
    await s.writeBatch((x) => ['a', 'b', 'c'].forEach((k) => x.put({ key: b(k), value: b(k + k) })));
    const r = await del('a', 'c', { prevKv: true });
    expect(r.deleted).toBe(2);
    expect(r.prevKvs.map((kv) => kv.value.toString())).toEqual(['aa', 'bb']);
    expect(keys(s.range({ key: b('a'), rangeEnd: Buffer.from([0]) }))).toEqual(['c']);
    expect(keys(s.range({ key: b('a'), rangeEnd: Buffer.from([0]), revision: 4 }))).toEqual(['a', 'b', 'c']);
  });
});

describe('txn', () => {
  const cmp = (key: string, target: CompareTarget, result: CompareResult, v: object = {}) => ({ key: b(key), target, result, ...v });

  beforeEach(async () => {
    await put('a', '1'); // 2
    await put('a', '2'); // 3
    await put('b', 'x', { lease: 5n }); // 4
  });

  it('compares every target on existing keys', async () => {
    const ok = (c: ReturnType<typeof cmp>) => s.txn({ compare: [c] }).succeeded;
    expect(ok(cmp('a', CompareTarget.Version, CompareResult.Equal, { version: 2 }))).toBe(true);
    expect(ok(cmp('a', CompareTarget.Create, CompareResult.Equal, { createRevision: 2 }))).toBe(true);
    expect(ok(cmp('a', CompareTarget.Mod, CompareResult.Greater, { modRevision: 2 }))).toBe(true);
    expect(ok(cmp('a', CompareTarget.Mod, CompareResult.Less, { modRevision: 3 }))).toBe(false);
    expect(ok(cmp('a', CompareTarget.Value, CompareResult.Equal, { value: b('2') }))).toBe(true);
    expect(ok(cmp('a', CompareTarget.Value, CompareResult.NotEqual, { value: b('2') }))).toBe(false);
    expect(ok(cmp('b', CompareTarget.Lease, CompareResult.Equal, { lease: 5n }))).toBe(true);
  });

  it('compares a missing key as zeros, but a value compare fails', () => {
    const ok = (c: ReturnType<typeof cmp>) => s.txn({ compare: [c] }).succeeded;
    expect(ok(cmp('zz', CompareTarget.Mod, CompareResult.Equal, { modRevision: 0 }))).toBe(true);
    expect(ok(cmp('zz', CompareTarget.Version, CompareResult.Equal))).toBe(true);
    expect(ok(cmp('zz', CompareTarget.Lease, CompareResult.Equal))).toBe(true);
    expect(ok(cmp('zz', CompareTarget.Value, CompareResult.Equal, { value: Buffer.alloc(0) }))).toBe(false);
    expect(ok(cmp('zz', CompareTarget.Value, CompareResult.NotEqual, { value: b('q') }))).toBe(false);
  });

  it('requires every key of a compare range to match', () => {
    const c = (v: number) => ({ ...cmp('a', CompareTarget.Mod, CompareResult.Greater, { modRevision: v }), rangeEnd: b('c') });
    expect(s.txn({ compare: [c(1)] }).succeeded).toBe(true);
    expect(s.txn({ compare: [c(3)] }).succeeded).toBe(false);
    expect(s.txn({ compare: [c(1), cmp('a', CompareTarget.Version, CompareResult.Equal, { version: 9 })] }).succeeded).toBe(false);
  });

  it('runs the chosen branch, nested txns, and reads its own writes', async () => {
    const r = await s.writeBatch((x) =>
      x.txn({
        compare: [cmp('a', CompareTarget.Version, CompareResult.Equal, { version: 2 })],
        success: [
          { requestPut: { key: b('c'), value: b('new') } },
          { requestRange: { key: b('c') } },
          {
            requestTxn: {
              compare: [cmp('c', CompareTarget.Version, CompareResult.Equal, { version: 0 })], // evaluated before the txn
              success: [{ requestDeleteRange: { key: b('a'), prevKv: true } }],
              failure: [{ requestPut: { key: b('d'), value: b('no') } }],
            },
          },
        ],
        failure: [{ requestPut: { key: b('e'), value: b('no') } }],
      }),
    );
    expect(r.succeeded).toBe(true);
    expect(r.header.revision).toBe(5);
    const rr = r.responses[1] as { responseRange: { kvs: unknown[]; header: { revision: number } } };
    expect(show(rr.responseRange.kvs[0] as never)).toMatchObject({ key: 'c', value: 'new', mod: 5 });
    expect(rr.responseRange.header.revision).toBe(5);
    const nested = r.responses[2] as { responseTxn: { succeeded: boolean; responses: unknown[] } };
    expect(nested.responseTxn.succeeded).toBe(true);
    expect(nested.responseTxn.responses[0]).toMatchObject({ responseDeleteRange: { deleted: 1 } });
    expect(keys(s.range({ key: b('a'), rangeEnd: b('z') }))).toEqual(['b', 'c']);
  });

  it('rejects too many ops and duplicate keys, changing nothing', async () => {
    const many = (n: number): RequestOp[] => Array.from({ length: n }, (_, i) => ({ requestPut: { key: b(`k${i}`), value: b('') } }));
    await expect(s.writeBatch((x) => x.txn({ success: many(129) }))).rejects.toMatchObject({ code: MvccErrorCode.TooManyOps });
    await s.writeBatch((x) => x.txn({ success: many(128) }));
    expect(s.revision).toBe(5);
    const dup = [
      [{ requestPut: { key: b('a'), value: b('') } }, { requestPut: { key: b('a'), value: b('') } }],
      [{ requestPut: { key: b('a'), value: b('') } }, { requestDeleteRange: { key: b('a'), rangeEnd: b('b') } }],
      [{ requestPut: { key: b('x'), value: b('') } }, { requestTxn: { success: [{ requestPut: { key: b('x'), value: b('') } }] } }],
      [{ requestDeleteRange: { key: b('a'), rangeEnd: Buffer.from([0]) } }, { requestTxn: { failure: [{ requestPut: { key: b('q'), value: b('') } }] } }],
    ] as RequestOp[][];
    for (const success of dup) {
      expect(codeOf(() => s.txn({ success: success.filter((op) => !('requestPut' in op || 'requestDeleteRange' in op)) }))).toBeUndefined();
      await expect(s.writeBatch((x) => x.txn({ success }))).rejects.toMatchObject({
        code: MvccErrorCode.DuplicateKey,
        message: 'etcdserver: duplicate key given in txn request',
      });
    }
    // Allowed: overlapping deletes, and the same put in both branches of a nested txn.
    await s.writeBatch((x) =>
      x.txn({
        success: [
          { requestDeleteRange: { key: b('a'), rangeEnd: b('c') } },
          { requestDeleteRange: { key: b('b') } },
          { requestTxn: { success: [{ requestPut: { key: b('z'), value: b('1') } }], failure: [{ requestPut: { key: b('z'), value: b('2') } }] } },
        ],
      }),
    );
    expect(s.revision).toBe(6);
  });

  it('checks put flags and range revisions of the chosen path before writing', async () => {
    const before = s.revision;
    await expect(
      s.writeBatch((x) =>
        x.txn({ success: [{ requestPut: { key: b('new'), value: b('') } }, { requestPut: { key: b('zz'), ignoreValue: true } }] }),
      ),
    ).rejects.toMatchObject({ code: MvccErrorCode.KeyNotFound });
    await expect(
      s.writeBatch((x) => x.txn({ success: [{ requestPut: { key: b('new'), value: b('') } }, { requestRange: { key: b('a'), revision: 99 } }] })),
    ).rejects.toMatchObject({ code: MvccErrorCode.FutureRev });
    expect(s.revision).toBe(before);
    expect(s.range({ key: b('new') }).count).toBe(0);
    // The unchosen branch is not checked.
    await s.writeBatch((x) => x.txn({ compare: [cmp('a', CompareTarget.Version, CompareResult.Equal, { version: 2 })], failure: [{ requestPut: { key: b('zz'), ignoreValue: true } }] }));
  });

  it('serves read-only txns outside a batch', () => {
    expect(s.txn({ success: [{ requestRange: { key: b('a') } }] }).responses.length).toBe(1);
    expect(() => s.txn({ success: [{ requestPut: { key: b('a'), value: b('') } }] })).toThrow(/outside a batch/);
  });
});

describe('leases', () => {
  it('tracks attachments, revokes in one revision, rejects unknown leases', async () => {
    const known = new Set([1n, 2n]);
    await t.store.close();
    s = t.store = await (await import('./store.ts')).MvccStore.open(t.dir, { leaseExists: (l) => known.has(l) });
    await put('a', '1', { lease: 1n });
    await put('b', '1', { lease: 1n });
    await put('c', '1', { lease: 2n });
    await put('b', '2', { lease: 2n });
    expect(s.keysForLease(1n).map(String)).toEqual(['a']);
    expect(s.keysForLease(2n).map(String)).toEqual(['b', 'c']);
    expect(await codeOfAsync(put('d', '1', { lease: 3n }))).toBe(MvccErrorCode.LeaseNotFound);
    const r = await s.writeBatch((x) => x.deleteByLease(2n));
    expect(r.deleted).toBe(2);
    expect(r.header.revision).toBe(6);
    expect(s.keysForLease(2n)).toEqual([]);
    expect(keys(s.range({ key: b('a'), rangeEnd: b('z') }))).toEqual(['a']);
    await s.close();
    s = t.store = await (await import('./store.ts')).MvccStore.open(t.dir);
    expect(s.keysForLease(1n).map(String)).toEqual(['a']);
    expect(s.attachedLeases()).toEqual([1n]);
  });
});

describe('compaction', () => {
  it('validates, hides history below it, keeps what later reads need', async () => {
    await put('a', '1'); // 2
    await put('b', '1'); // 3
    await put('a', '2'); // 4
    await del('b'); // 5
    await put('c', '1'); // 6
    expect(await codeOfAsync(s.writeBatch((x) => x.compact({ revision: 7 })))).toBe(MvccErrorCode.FutureRev);
    const c = await s.writeBatch((x) => x.compact({ revision: 5 }));
    await c.done;
    expect(s.compactRevision).toBe(5);
    expect(await codeOfAsync(s.writeBatch((x) => x.compact({ revision: 5 })))).toBe(MvccErrorCode.Compacted);
    expect(codeOf(() => s.range({ key: b('a'), revision: 4 }))).toBe(MvccErrorCode.Compacted);
    expect(keys(s.range({ key: b('a'), rangeEnd: b('z'), revision: 5 }))).toEqual(['a']);
    expect(show(s.range({ key: b('a'), revision: 5 }).kvs[0])).toMatchObject({ value: '2', ver: 2, create: 2 });
    expect(s.revision).toBe(6);
    // Only the kept put of 'a' (rev 4) and rev 6 remain on disk.
    const revs: number[] = [];
    for await (const [k] of s.database.iterator({ gte: Buffer.from('k'), lt: Buffer.from('l') })) revs.push(k.readUInt32BE(5));
    expect(revs).toEqual([4, 6]);
    await put('a', '3');
    expect(show(s.range({ key: b('a') }).kvs[0])).toMatchObject({ value: '3', ver: 3, create: 2 });
  });
});

describe('history for watchers', () => {
  it('returns events with prev kvs by range and limit, and refuses compacted starts', async () => {
    await put('a', '1'); // 2
    await put('b', '1'); // 3
    await s.writeBatch((x) => x.txn({ success: [{ requestPut: { key: b('a'), value: b('2') } }, { requestPut: { key: b('c'), value: b('1') } }] })); // 4
    await del('a'); // 5
    const all = await s.eventsSince(2, { key: Buffer.from([0]), rangeEnd: Buffer.from([0]) });
    expect(all.nextRevision).toBe(6);
    expect(all.events.map((e) => `${e.type}:${e.kv.key}@${e.kv.modRevision}<${e.prevKv?.value ?? '-'}`)).toEqual([
      '0:a@2<-',
      '0:b@3<-',
      '0:a@4<1',
      '0:c@4<-',
      '1:a@5<2',
    ]);
    const onlyA = await s.eventsSince(3, { key: b('a') });
    expect(onlyA.events.map((e) => e.kv.modRevision)).toEqual([4, 5]);
    const limited = await s.eventsSince(2, { key: b('a'), rangeEnd: b('z') }, 3);
    expect(limited.events.length).toBe(4); // the revision in progress is finished
    expect(limited.nextRevision).toBe(5);
    await (await s.writeBatch((x) => x.compact({ revision: 4 }))).done;
    expect(await codeOfAsync(s.eventsSince(3, { key: b('a') }))).toBe(MvccErrorCode.Compacted);
    expect((await s.eventsSince(5, { key: b('a') })).events[0].prevKv?.value.toString()).toBe('2');
  });
});

describe('batching', () => {
  it('applies many requests in one write with the applied index, reading across the batch', async () => {
    const seen: CommittedBatch[] = [];
    s.onCommitted((c) => seen.push(c));
    s.beginBatch();
    for (let i = 0; i < 50; i++) s.put({ key: b('k'), value: b(String(i)) });
    expect(s.range({ key: b('k'), revision: 10 }).kvs[0].value.toString()).toBe('8'); // staged history
    expect(s.txn({ compare: [{ key: b('k'), target: CompareTarget.Version, result: CompareResult.Equal, version: 50 }] }).succeeded).toBe(true);
    expect(s.durableRevision).toBe(1);
    const committed = await s.commitBatch({ appliedIndex: 77, extraOps: [{ type: 'put', key: b('lease/1'), value: b('x') }] });
    expect(committed).toMatchObject({ previousRevision: 1, revision: 51, appliedIndex: 77 });
    expect(committed.events.length).toBe(50);
    expect(seen).toEqual([committed]);
    expect(s.durableRevision).toBe(51);
    expect(s.range({ key: b('k'), revision: 10 }).kvs[0].value.toString()).toBe('8'); // now from disk
    expect((await s.database.get(b('lease/1')))?.toString()).toBe('x');
    const s2 = await t.reopen();
    expect(s2.consistentIndex).toBe(77);
    expect(s2.revision).toBe(51);
  });
});

describe('publishing before the write', () => {
  it('announces a batch on commit, serves its history while it is written, then from disk', async () => {
    await put('a', '0'); // revision 2, on disk
    const seen: number[] = [];
    s.onCommitted((c) => seen.push(c.revision));
    const hold = holdWrites(s.database);
    const written: Promise<void>[] = [];
    for (const [k, v] of [['a', '1'], ['b', '1'], ['a', '2']]) {
      s.beginBatch();
      s.put({ key: b(k), value: b(v) });
      written.push(s.commit({}).written);
    }
    s.beginBatch();
    s.deleteRange({ key: b('b') });
    written.push(s.commit({}).written);
    expect(seen).toEqual([3, 4, 5, 6]); // announced at once, in order
    expect(s.publishedRevision).toBe(6);
    expect(s.durableRevision).toBe(2);
    const show = (r: { events: { type: EventType; kv: { key: Buffer; value: Buffer; modRevision: number } }[]; nextRevision: number }) => ({
      events: r.events.map((e) => `${e.type === EventType.Put ? 'put' : 'del'} ${e.kv.key.toString()}=${e.kv.value.toString()}@${e.kv.modRevision}`),
      next: r.nextRevision,
    });
    const all = { events: ['put a=0@2', 'put a=1@3', 'put b=1@4', 'put a=2@5', 'del b=@6'], next: 7 };
    expect(show(await s.eventsSince(2, { key: b('a'), rangeEnd: b('c') }))).toEqual(all);
    expect(show(await s.eventsSince(4, { key: b('b') }))).toEqual({ events: ['put b=1@4', 'del b=@6'], next: 7 });
    // The limit ends at a whole revision, across the disk and the batches in flight alike.
    expect(show(await s.eventsSince(2, { key: b('a'), rangeEnd: b('c') }, 2))).toEqual({ events: ['put a=0@2', 'put a=1@3'], next: 4 });
    expect(show(await s.eventsSince(4, { key: b('a'), rangeEnd: b('c') }, 1))).toEqual({ events: ['put b=1@4'], next: 5 });
    expect(hold.count()).toBe(1); // the rest wait behind the first in the write chain
    hold.release();
    await Promise.all(written);
    expect(s.durableRevision).toBe(6);
    expect(show(await s.eventsSince(2, { key: b('a'), rangeEnd: b('c') }))).toEqual(all);
  });

  it('writes nothing after a failed write, and refuses further work', async () => {
    const db = s.database as unknown as { batch: () => { put: () => void; del: () => void; write: () => Promise<void> } };
    const calls: string[] = [];
    let fail = true;
    const realBatch = s.database.batch.bind(s.database);
    db.batch = () => {
      const real = realBatch();
      return {
        put: (...args: unknown[]) => (real.put as (...a: unknown[]) => void)(...args),
        del: (...args: unknown[]) => (real.del as (...a: unknown[]) => void)(...args),
        write: async () => {
          calls.push(fail ? 'fail' : 'write');
          if (fail) throw new Error('disk on fire');
          return real.write();
        },
      } as never;
    };
    s.beginBatch();
    s.put({ key: b('x'), value: b('1') });
    const first = s.commit({ appliedIndex: 5 }).written;
    s.beginBatch();
    s.put({ key: b('y'), value: b('1') });
    const second = s.commit({ appliedIndex: 6 }).written;
    await expect(first).rejects.toThrow('disk on fire');
    fail = false;
    await expect(second).rejects.toThrow('disk on fire');
    expect(calls).toEqual(['fail']);
    expect(() => s.beginBatch()).toThrow('disk on fire');
  });
});

describe('hashes and snapshots', () => {
  it('hashKV is stable, bounded by revision and compaction; snapshots restore', async () => {
    await put('a', '1');
    await put('b', '2');
    await put('a', '3');
    const h3 = await s.hashKV(3);
    const hAll = await s.hashKV();
    expect(h3.hash).not.toBe(hAll.hash);
    expect(await s.hashKV(3)).toEqual(h3);
    expect(await codeOfAsync(s.hashKV(9))).toBe(MvccErrorCode.FutureRev);
    const data = await s.snapshotData();
    const other = await tempStore();
    try {
      await other.store.restoreFrom(data);
      expect(other.store.revision).toBe(4);
      expect(await other.store.hashKV()).toEqual(hAll);
      expect((await other.store.hash()).hash).toBe((await s.hash()).hash);
      await (await s.writeBatch((x) => x.compact({ revision: 3 }))).done;
      expect(await codeOfAsync(s.hashKV(3))).toBe(MvccErrorCode.Compacted);
      await (await other.store.writeBatch((x) => x.compact({ revision: 3 }))).done;
      expect(await s.hashKV(4)).toEqual(await other.store.hashKV(4));
      const corrupt = Buffer.from(data);
      corrupt[20] ^= 1;
      await expect(other.store.restoreFrom(corrupt)).rejects.toThrow(/checksum/);
      expect(other.store.revision).toBe(4);
    } finally {
      await other.cleanup();
    }
  });

  it('a snapshot holds the database as of the call, not of when its bytes are ready', async () => {
    await put('a', '1');
    const taken = s.snapshotData();
    for (let i = 0; i < 50; i++) await put(`later${i}`, 'x');
    const other = await tempStore();
    try {
      await other.store.restoreFrom(await taken);
      expect(other.store.revision).toBe(2);
      expect(other.store.range({ key: b('later0') }).kvs).toHaveLength(0);
      expect(other.store.range({ key: b('a') }).kvs).toHaveLength(1);
    } finally {
      await other.cleanup();
    }
  });
});

describe('applier behaviour', () => {
  it('a failing request inside a batch leaves the batch and the store intact', async () => {
    const known = new Set([1n]);
    await t.store.close();
    s = t.store = await (await import('./store.ts')).MvccStore.open(t.dir, { leaseExists: (l) => known.has(l) });
    s.beginBatch();
    s.put({ key: b('a'), value: b('1') });
    expect(codeOf(() => s.put({ key: b('b'), ignoreValue: true }))).toBe(MvccErrorCode.KeyNotFound);
    expect(
      codeOf(() => s.txn({ success: [{ requestPut: { key: b('c'), value: b('1') } }, { requestPut: { key: b('d'), value: b('1'), lease: 2n } }] })),
    ).toBe(MvccErrorCode.LeaseNotFound);
    expect(codeOf(() => s.compact({ revision: 99 }))).toBe(MvccErrorCode.FutureRev);
    s.put({ key: b('e'), value: b('1'), lease: 1n });
    const committed = await s.commitBatch({ appliedIndex: 3 });
    expect(committed.events.map((e) => e.kv.key.toString())).toEqual(['a', 'e']);
    expect(committed.revision).toBe(3);
    expect(keys(s.range({ key: b('a'), rangeEnd: b('z') }))).toEqual(['a', 'e']);
  });

  it('serves history only up to the durable revision while a batch is open', async () => {
    await put('a', '1');
    s.beginBatch();
    s.put({ key: b('a'), value: b('2') });
    const h = await s.eventsSince(1, { key: b('a') });
    expect(h).toMatchObject({ nextRevision: 3 });
    expect(h.events.length).toBe(1);
    await s.commitBatch();
    expect((await s.eventsSince(3, { key: b('a') })).events[0].prevKv?.value.toString()).toBe('1');
  });

  it('restores from a stream of entries', async () => {
    await put('a', '1');
    await put('b', '2');
    const other = await tempStore();
    try {
      await other.store.restoreFrom(s.snapshotEntries());
      expect(keys(other.store.range({ key: b('a'), rangeEnd: b('z') }))).toEqual(['a', 'b']);
      expect(other.store.revision).toBe(3);
    } finally {
      await other.cleanup();
    }
  });
});
