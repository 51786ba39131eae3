// ObjectStore's read-modify-write starting from a copy the caller already holds (the watch cache's), against an
// in-process barque member: one Txn when the copy is current, and never a decision taken on a stale copy.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestMember, type TestMember } from '../../store/server/test-server.ts';
import type { KubeObject } from '../types.ts';
import { EtcdClient } from './etcd-client.ts';
import { decode, ObjectStore } from './object-store.ts';
import { storedJson } from './stored-json.ts';

let member: TestMember;
let client: EtcdClient;
let store: ObjectStore;
beforeAll(async () => {
  member = await startTestMember();
  client = new EtcdClient({ endpoints: [`http://${member.address}`] });
  store = new ObjectStore(client);
});
afterAll(async () => {
  client?.close();
  await member?.close();
});

let n = 0;
async function created(labels: Record<string, string>): Promise<{ key: string; obj: KubeObject }> {
  const key = `/registry/configmaps/default/cm-${++n}`;
  const obj = await store.create(key, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${n}`, namespace: 'default', labels } });
  return { key, obj };
}

const withLabel = (k: string, v: string) => (c: KubeObject): KubeObject => ({ ...c, metadata: { ...c.metadata, labels: { ...c.metadata?.labels, [k]: v } } });

describe('ObjectStore with a known copy', () => {
  it('writes with one Txn and no read when the copy is current', async () => {
    const { key, obj } = await created({ a: '1' });
    const range = vi.spyOn(client, 'range');
    const txn = vi.spyOn(client, 'txn');
    try {
      const written = await store.guaranteedUpdate(key, withLabel('b', '2'), obj);
      expect(range).not.toHaveBeenCalled();
      expect(txn).toHaveBeenCalledTimes(1);
      expect(Number(written.metadata?.resourceVersion)).toBeGreaterThan(Number(obj.metadata?.resourceVersion));
    } finally {
      range.mockRestore();
      txn.mockRestore();
    }
    expect((await store.get(key))?.metadata?.labels).toEqual({ a: '1', b: '2' });
  });

  it('applies the update to the stored object when the copy is stale, keeping the change made meanwhile', async () => {
    const { key, obj: stale } = await created({ a: '1' });
    await store.guaranteedUpdate(key, withLabel('b', '2'));
    await store.guaranteedUpdate(key, withLabel('c', '3'), stale);
    expect((await store.get(key))?.metadata?.labels).toEqual({ a: '1', b: '2', c: '3' });
  });

  it('does not take "nothing to change" from a stale copy', async () => {
    const { key, obj: stale } = await created({ a: '1' });
    await store.guaranteedUpdate(key, withLabel('a', '2'));
    const written = await store.guaranteedUpdate(key, withLabel('a', '1'), stale);
    expect(written.metadata?.labels).toEqual({ a: '1' });
    expect((await store.get(key))?.metadata?.labels).toEqual({ a: '1' });
  });

  it('decides a refusal again on the stored object: a precondition the stale copy fails but the stored one meets', async () => {
    const { key, obj: stale } = await created({ a: '1' });
    const fresh = await store.guaranteedUpdate(key, withLabel('b', '2'));
    const rv = fresh.metadata?.resourceVersion;
    const preconditioned = (c: KubeObject): KubeObject => {
      if (c.metadata?.resourceVersion !== rv) throw new Error('Conflict: the object has been modified');
      return withLabel('c', '3')(c);
    };
    await store.guaranteedUpdate(key, preconditioned, stale);
    expect((await store.get(key))?.metadata?.labels).toEqual({ a: '1', b: '2', c: '3' });
    // On the stored object the refusal stands.
    await expect(store.guaranteedUpdate(key, preconditioned)).rejects.toThrow('Conflict');
    const checkFresh = (c: KubeObject) => {
      if (c.metadata?.labels?.c !== '3') throw new Error('precondition failed');
    };
    await store.delete(key, checkFresh, stale);
    expect(await store.get(key)).toBeNull();
  });

  it('reports a key deleted since the copy was taken as not found', async () => {
    const { key, obj: stale } = await created({ a: '1' });
    await store.delete(key);
    await expect(store.guaranteedUpdate(key, withLabel('b', '2'), stale)).rejects.toMatchObject({ code: 'KeyNotFound' });
  });
});

describe('ObjectStore lists and legacy values', () => {
  const prefix = '/registry/things/raw/';
  const put = (name: string, json: string) => client.txn([], [{ op: 'put', key: Buffer.from(`${prefix}${name}`), value: Buffer.from(json) }], []);

  it('lists raw values that, answered with storedJson or parsed, say what list() says, page by page', async () => {
    await store.create(`${prefix}a`, { apiVersion: 'v1', kind: 'Thing', metadata: { name: 'a' }, spec: { n: 1 } });
    await put('b', '{"metadata":{"name":"b"},"kind":"Thing","apiVersion":"v1"}'); // written by an older encode()
    await store.create(`${prefix}c`, { kind: 'Thing', metadata: { name: 'c' }, apiVersion: 'v1' });
    const pages: { parsed: KubeObject[]; raw: unknown[] }[] = [];
    let token: string | undefined;
    do {
      const parsed = await store.list(prefix, { limit: 2, continueToken: token });
      const raw = await store.listRaw(prefix, { limit: 2, continueToken: token });
      expect(raw.continueToken).toBe(parsed.continueToken);
      expect(raw.remainingItemCount).toBe(parsed.remainingItemCount);
      pages.push({ parsed: parsed.items, raw: raw.items.map((kv) => JSON.parse((storedJson(kv.value, kv.modRevision) ?? Buffer.from(JSON.stringify(decode(kv)))).toString())) });
      token = parsed.continueToken;
    } while (token !== undefined);
    expect(pages.map((p) => p.parsed.length)).toEqual([2, 1]);
    for (const p of pages) expect(p.raw).toEqual(p.parsed);
    // Only the value in the old key order needed parsing.
    const all = await store.listRaw(prefix);
    expect(all.items.map((kv) => storedJson(kv.value, kv.modRevision) === undefined)).toEqual([false, true, false]);
  });

  it('takes an update that changes nothing of a value in an older key order as no change', async () => {
    await put('d', '{"metadata":{"name":"d","labels":{"x":"1"}},"kind":"Thing","apiVersion":"v1"}');
    const before = await store.get(`${prefix}d`);
    const after = await store.guaranteedUpdate(`${prefix}d`, (c) => c);
    expect(after.metadata?.resourceVersion).toBe(before?.metadata?.resourceVersion);
  });
});
