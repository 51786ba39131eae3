// The npm etcd3 client's high-level API against an in-process member: KV, txn, watch, leases, locks, elections.
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestMember, type TestMember } from '../src/store/server/test-server.ts';

async function until<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, boundMs = 30_000): Promise<T> {
  const deadline = performance.now() + boundMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('store: npm etcd3 client', () => {
  let m: TestMember;
  let client: Etcd3;
  beforeAll(async () => {
    m = await startTestMember();
    client = new Etcd3({ hosts: `http://${m.address}` });
  });
  afterAll(async () => {
    client.close();
    await m.close();
  });

  it('puts, gets, lists and deletes', async () => {
    await client.put('app/a').value('1');
    await client.put('app/b').value('2');
    expect(await client.get('app/a').string()).toBe('1');
    expect(await client.getAll().prefix('app/').strings()).toEqual({ 'app/a': '1', 'app/b': '2' });
    expect(await client.getAll().prefix('app/').count()).toBe(2);
    const del = await client.delete().key('app/a').exec();
    expect(del.deleted).toBe('1');
    expect(await client.get('app/a').string()).toBeNull();
  });

  it('runs conditional transactions', async () => {
    const first = await client.if('txn/k', 'Create', '==', 0).then(client.put('txn/k').value('v1')).commit();
    expect(first.succeeded).toBe(true);
    const second = await client.if('txn/k', 'Create', '==', 0).then(client.put('txn/k').value('v2')).else(client.get('txn/k')).commit();
    expect(second.succeeded).toBe(false);
    expect(await client.get('txn/k').string()).toBe('v1');
  });

  it('watches puts and deletes', async () => {
    const watcher = await client.watch().prefix('w/').create();
    const seen: string[] = [];
    watcher.on('put', (kv) => seen.push(`put ${kv.key.toString()}=${kv.value.toString()}`));
    watcher.on('delete', (kv) => seen.push(`delete ${kv.key.toString()}`));
    await client.put('w/x').value('1');
    await client.put('w/x').value('2');
    await client.delete().key('w/x');
    await until(() => (seen.length >= 3 ? true : undefined), 'three watch events');
    expect(seen).toEqual(['put w/x=1', 'put w/x=2', 'delete w/x']);
    await watcher.cancel();
  });

  it('grants leases, keeps them alive, and revokes them with their keys', async () => {
    const lease = client.lease(5);
    await lease.put('lease/k').value('v');
    expect(await client.get('lease/k').string()).toBe('v');
    const ka = await lease.keepaliveOnce();
    expect(ka.TTL).toBe('5');
    const id = await lease.grant();
    const ttl = await client.leaseClient.leaseTimeToLive({ ID: id, keys: true });
    expect(Number(ttl.TTL)).toBeGreaterThan(0);
    expect(ttl.keys.map((k) => k.toString())).toEqual(['lease/k']);
    await lease.revoke();
    expect(await client.get('lease/k').string()).toBeNull();
    expect(id).toMatch(/^\d+$/);
  });

  it('expires a lease that is not kept alive', async () => {
    const lease = client.lease(2, { autoKeepAlive: false });
    await lease.put('expiring').value('v');
    await until(async () => ((await client.get('expiring').string()) === null ? true : undefined), 'the lease to expire');
  });

  it('holds a lock exclusively until it is released', async () => {
    // etcd3's lock is a try-lock: a second acquire fails while the first holds it.
    const first = await client.lock('locks/one').ttl(5).acquire();
    await expect(client.lock('locks/one').ttl(5).acquire()).rejects.toThrow('Failed to acquire a lock on locks/one');
    await first.release();
    const order: string[] = [];
    await client.lock('locks/one').ttl(5).do(async () => {
      order.push('in');
    });
    expect(order).toEqual(['in']);
  });

  it('elects a leader', async () => {
    const election = client.election('elect/one', 5);
    const campaign = election.campaign('candidate-1');
    await new Promise<void>((resolve, reject) => {
      campaign.on('elected', () => resolve());
      campaign.on('error', reject);
    });
    expect(await election.leader()).toBe('candidate-1');
    await campaign.resign();
    await until(async () => ((await election.leader()) === undefined ? true : undefined), 'no leader after resigning');
  });
});
