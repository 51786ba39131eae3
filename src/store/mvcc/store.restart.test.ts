import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { META_PREFIX, type MvccDb, type MvccStore } from './store.ts';
import { b, show, tempStore, type TempStore } from './test-helpers.ts';
import { writeUint64 } from './revision.ts';

let t: TempStore;
beforeEach(async () => {
  t = await tempStore();
});
afterEach(async () => {
  await t.cleanup();
});

const all = { key: Buffer.from([0]), rangeEnd: Buffer.from([0]) };

describe('restart', () => {
  it('keeps revision, keys, versions, leases, history and the applied index', async () => {
    const s = t.store;
    await s.writeBatch((x) => x.put({ key: b('a'), value: b('1'), lease: 4n })); // 2
    await s.writeBatch((x) => x.put({ key: b('a'), value: b('2'), lease: 4n })); // 3
    await s.writeBatch((x) => x.put({ key: b('b'), value: b('1') })); // 4
    await s.writeBatch((x) => x.deleteRange({ key: b('b') })); // 5
    await s.writeBatch((x) => x.put({ key: b('b'), value: b('again') }), { appliedIndex: 12 }); // 6
    const before = await s.hashKV();
    const r = await t.reopen();
    expect(r.revision).toBe(6);
    expect(r.consistentIndex).toBe(12);
    expect(r.range(all).kvs.map(show)).toEqual([
      { key: 'a', value: '2', create: 2, mod: 3, ver: 2, lease: 4n },
      { key: 'b', value: 'again', create: 6, mod: 6, ver: 1, lease: 0n },
    ]);
    expect(r.range({ ...all, revision: 4 }).kvs.map((kv) => kv.key.toString())).toEqual(['a', 'b']);
    expect(r.range({ ...all, revision: 5 }).kvs.map((kv) => kv.key.toString())).toEqual(['a']);
    expect(r.keysForLease(4n).map(String)).toEqual(['a']);
    expect(await r.hashKV()).toEqual(before);
    // Writing continues from the restored state.
    await r.writeBatch((x) => x.put({ key: b('b'), value: b('3') }));
    expect(show(r.range({ key: b('b') }).kvs[0])).toMatchObject({ create: 6, mod: 7, ver: 2 });
  });

  it('an empty store reopens at revision 1', async () => {
    expect((await t.reopen()).revision).toBe(1);
  });

  it('keeps the revision when compaction removed the last tombstones', async () => {
    const s = t.store;
    await s.writeBatch((x) => x.put({ key: b('a'), value: b('1') })); // 2
    await s.writeBatch((x) => x.deleteRange({ key: b('a') })); // 3
    await (await s.writeBatch((x) => x.compact({ revision: 3 }))).done;
    const r = await t.reopen();
    expect(r.revision).toBe(3);
    expect(r.compactRevision).toBe(3);
    expect(r.range(all).count).toBe(0);
    await r.writeBatch((x) => x.put({ key: b('a'), value: b('2') }));
    expect(r.revision).toBe(4);
  });

  it('resumes an interrupted compaction', async () => {
    const s = t.store;
    for (let i = 0; i < 20; i++) await s.writeBatch((x) => x.put({ key: b(`k${i % 3}`), value: b(String(i)) }));
    // A compaction recorded as scheduled whose deletions never ran: as if the process died right after the batch.
    const meta = Buffer.alloc(8);
    writeUint64(meta, 15, 0);
    await s.database.put(Buffer.concat([Buffer.from([META_PREFIX]), b('scheduled_compact_rev')]), meta);
    const r = await t.reopen();
    expect(r.compactRevision).toBe(15);
    expect(() => r.range({ key: b('k0'), revision: 14 })).toThrow(/compacted/);
    expect(r.range({ ...all, revision: 15 }).kvs.map((kv) => kv.value.toString())).toEqual(['12', '13', '11']);
    await r.hashKV(); // waits for writes; then wait for the background compaction through a second compaction
    await (await r.writeBatch((x) => x.compact({ revision: 16 }))).done;
    const revs: number[] = [];
    for await (const k of r.database.keys({ gte: Buffer.from('k'), lt: Buffer.from('l') })) revs.push(k.readUInt32BE(5));
    expect(revs).toEqual([14, 15, 16, 17, 18, 19, 20, 21]);
    const again = await t.reopen();
    expect(again.compactRevision).toBe(16);
    expect(again.range(all).kvs.map((kv) => kv.value.toString())).toEqual(['18', '19', '17']);
  });

  it('a compaction cut short by close finishes after reopening', async () => {
    const t2 = await tempStore({ compactionBatchSize: 1 });
    try {
      for (let i = 0; i < 30; i++) await t2.store.writeBatch((x) => x.put({ key: b('k'), value: b(String(i)) }));
      const c = await t2.store.writeBatch((x) => x.compact({ revision: 30 }));
      const closing = t2.reopen({ compactionBatchSize: 1 });
      await expect(c.done).rejects.toThrow(/closed/);
      const r = await closing;
      expect(r.compactRevision).toBe(30);
      await (await r.writeBatch((x) => x.compact({ revision: 31 }))).done;
      let n = 0;
      for await (const _ of r.database.keys({ gte: Buffer.from('k'), lt: Buffer.from('l') })) n++;
      expect(n).toBe(1);
    } finally {
      await t2.cleanup();
    }
  });

  it('pipelines commits: a batch may begin while the previous write is in flight', async () => {
    const s = t.store;
    const order: number[] = [];
    s.onCommitted((c) => order.push(c.revision));
    s.beginBatch();
    s.put({ key: b('a'), value: b('1') });
    const first = s.commitBatch({ appliedIndex: 1 });
    s.beginBatch();
    s.put({ key: b('a'), value: b('2') });
    expect(s.range({ key: b('a'), revision: 2 }).kvs[0].value.toString()).toBe('1');
    const second = s.commitBatch({ appliedIndex: 2 });
    await Promise.all([first, second]);
    expect(order).toEqual([2, 3]);
    const r = await t.reopen();
    expect(r.consistentIndex).toBe(2);
    expect(r.revision).toBe(3);
  });

  describe('a batch of many records, written in parts', () => {
    const keys = ['k0', 'k1', 'k2', 'k3', 'k4'];
    const fill = (s: MvccStore) => s.writeBatch((x) => keys.forEach((k) => x.put({ key: b(k), value: b(`v-${k}`) })), { appliedIndex: 7 });
    const deleteAll = (s: MvccStore) => s.writeBatch((x) => x.deleteRange({ key: b('k'), rangeEnd: b('l') }), { appliedIndex: 8 });

    it('reopens whole', async () => {
      const s = await t.reopen({ writeChunkRecords: 2 });
      await fill(s); // 2-6
      await deleteAll(s); // 7
      const r = await t.reopen();
      expect(r.revision).toBe(7);
      expect(r.consistentIndex).toBe(8);
      expect(r.range({ key: b('k'), rangeEnd: b('l'), revision: 6 }).count).toBe(5);
      expect(r.range(all).count).toBe(0);
      expect(await metaKeys(r)).not.toContain('partial_batch_rev');
    });

    it('cut short by a crash: the parts on disk are dropped, and applying it again gives the same history', async () => {
      const s = await t.reopen({ writeChunkRecords: 2 });
      await fill(s);
      const before = await s.hashKV();
      failWritesAfter(s, 2); // the first two parts reach the disk, then the "process dies"
      await expect(deleteAll(s)).rejects.toThrow('disk gone');
      const warnings: object[] = [];
      const r = await t.reopen({ logger: { info: () => undefined, error: () => undefined, warn: (o) => warnings.push(o) } });
      expect(warnings).toEqual([{ revision: 6, records: 4 }]); // parts of 2 + 2 tombstones were on disk
      expect(r.revision).toBe(6);
      expect(r.consistentIndex).toBe(7);
      expect(r.range(all).kvs.map((kv) => kv.key.toString())).toEqual(keys);
      expect(await r.hashKV()).toEqual(before);
      expect(await metaKeys(r)).not.toContain('partial_batch_rev');
      await deleteAll(r);
      expect(r.revision).toBe(7);
      expect(r.range({ key: b('k'), rangeEnd: b('l'), revision: 6 }).count).toBe(5);
      expect(r.range(all).count).toBe(0);
    });
  });
});

/** Lets `n` more classic-level writes of the store through, then fails every later one. */
function failWritesAfter(s: MvccStore, n: number): void {
  const db = (s as unknown as { db: MvccDb }).db;
  type Writable = { write: (...args: unknown[]) => Promise<void> };
  const realBatch = db.batch.bind(db) as () => Writable;
  let left = n;
  (db as unknown as { batch: () => Writable }).batch = () => {
    const batch = realBatch();
    const realWrite = batch.write.bind(batch);
    batch.write = async (...args: unknown[]) => {
      if (left-- <= 0) throw new Error('disk gone');
      return realWrite(...args);
    };
    return batch;
  };
}

async function metaKeys(s: MvccStore): Promise<string[]> {
  const out: string[] = [];
  for await (const [k] of s.snapshotEntries()) if (k[0] === META_PREFIX) out.push(k.subarray(1).toString());
  return out;
}
