import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Lessor, ManualClock } from '../lease/index.ts';
import { MvccStore } from '../mvcc/index.ts';
import { loadEtcdProtos } from '../proto/index.ts';
import { AlarmStore } from './alarms.ts';
import { BaseApplier, buildApplierChain } from './applier.ts';
import { EntryApplier } from './entry-applier.ts';
import { encodeInternalRequest } from './internal-request.ts';
import { LocalProposer } from './proposer.ts';
import { isServerError, ServerErrorCode } from './errors.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function open(dir = mkdtempSync(join(tmpdir(), 'barque-apply-')), quotaOk = () => true) {
  if (!dirs.includes(dir)) dirs.push(dir);
  const lessor = new Lessor({ clock: new ManualClock() });
  const store = await MvccStore.open(dir, { leaseExists: (id) => lessor.has(id) });
  await lessor.reload(store.database);
  const alarms = await AlarmStore.open(store.database);
  const { codecs } = loadEtcdProtos();
  const applier = buildApplierChain(new BaseApplier(store, lessor, alarms), { available: () => quotaOk() }, alarms);
  const entries = new EntryApplier({ store, lessor, alarms, applier, codecs });
  return { dir, store, lessor, alarms, entries, codecs };
}

const putBody = (key: string, value: string) => loadEtcdProtos().codecs.type('etcdserverpb.PutRequest').encode({ key: Buffer.from(key), value: Buffer.from(value) });

describe('apply: entries', () => {
  it('applies a run of entries in one batch and skips entries already applied', async () => {
    const m = await open();
    const batches: number[] = [];
    m.store.onCommitted((b) => batches.push(b.appliedIndex));
    const entries = [1, 2, 3].map((index) => ({ index, data: encodeInternalRequest({ id: BigInt(index), kind: 'put', body: putBody(`k${index}`, 'v') }) }));
    const applied = await m.entries.applyEntries(entries);
    expect(applied.map((a) => a.result.ok)).toEqual([true, true, true]);
    expect(batches).toEqual([3]);
    expect(m.store.revision).toBe(4);
    // A replay of the same entries (a restart before the log learned they were applied) changes nothing.
    expect(await m.entries.applyEntries(entries)).toEqual([]);
    expect(m.store.revision).toBe(4);
    await m.store.close();
    const again = await open(m.dir);
    expect(again.store.consistentIndex).toBe(3);
    expect(await again.entries.applyEntries(entries)).toEqual([]);
    expect(again.store.revision).toBe(4);
    await again.store.close();
  });

  it('answers an operating error for one entry without disturbing the others', async () => {
    const m = await open();
    const bad = loadEtcdProtos().codecs.type('etcdserverpb.PutRequest').encode({ key: Buffer.from('k'), value: Buffer.from('v'), lease: 99n });
    const applied = await m.entries.applyEntries([
      { index: 1, data: encodeInternalRequest({ id: 1n, kind: 'put', body: bad }) },
      { index: 2, data: encodeInternalRequest({ id: 2n, kind: 'put', body: putBody('ok', 'v') }) },
      { index: 3, data: Buffer.from([0xff, 0xff]) },
    ]);
    expect(applied.map((a) => a.result.ok)).toEqual([false, true, false]);
    expect(m.store.consistentIndex).toBe(3);
    await m.store.close();
  });

  it('refuses writes over the quota and, once NOSPACE is raised, every put', async () => {
    let room = true;
    const m = await open(undefined, () => room);
    const { codecs } = m;
    room = false;
    const [over] = await m.entries.applyEntries([{ index: 1, data: encodeInternalRequest({ id: 1n, kind: 'put', body: putBody('a', 'v') }) }]);
    expect(!over.result.ok && isServerError(over.result.error, ServerErrorCode.NoSpace)).toBe(true);
    const alarm = codecs.type('etcdserverpb.AlarmRequest').encode({ action: 1, memberID: 1n, alarm: 1 });
    await m.entries.applyEntries([{ index: 2, data: encodeInternalRequest({ id: 2n, kind: 'alarm', body: alarm }) }]);
    room = true;
    const [capped] = await m.entries.applyEntries([{ index: 3, data: encodeInternalRequest({ id: 3n, kind: 'put', body: putBody('a', 'v') }) }]);
    expect(!capped.result.ok && isServerError(capped.result.error, ServerErrorCode.NoSpace)).toBe(true);
    const del = codecs.type('etcdserverpb.DeleteRangeRequest').encode({ key: Buffer.from('a') });
    const [deleted] = await m.entries.applyEntries([{ index: 4, data: encodeInternalRequest({ id: 4n, kind: 'delete_range', body: del }) }]);
    expect(deleted.result.ok).toBe(true);
    await m.store.close();
  });
});

describe('apply: LocalProposer', () => {
  it('commits everything proposed in one turn with one write and answers every waiter', async () => {
    const m = await open();
    const batches: number[] = [];
    m.store.onCommitted((b) => batches.push(b.events.length));
    const proposer = new LocalProposer({ applier: m.entries, memberId: 1n, maxRequestBytes: 1024 * 1024 });
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => proposer.propose({ kind: 'put', body: putBody(`k${i}`, 'v') })));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(batches).toEqual([200]);
    expect(proposer.lastIndex).toBe(200);
    await expect(proposer.propose({ kind: 'put', body: putBody('big', 'x'.repeat(2 * 1024 * 1024)) })).rejects.toThrow('etcdserver: request is too large');
    await proposer.close();
    await m.store.close();
  });
});
