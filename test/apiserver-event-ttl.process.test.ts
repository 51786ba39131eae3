// Slow, multi-process: `bin/barque apiserver --event-ttl=3s` on real etcd 3.4 and on barque's store. Events are kept
// with a lease, as kube-apiserver keeps them (one lease shared by the events of the same minute), and go when it
// runs out; other objects carry no lease.
import { afterAll, describe, expect, it } from 'vitest';
import { api, setupOnce, startHarness, STORES } from './apiserver-harness.ts';
import { eventually } from './process-helpers.ts';

const event = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name, namespace: 'default' },
  involvedObject: { kind: 'Pod', namespace: 'default', name: 'p' },
  reason: 'Testing',
  message: 'short-lived',
  type: 'Normal',
});

describe.each(STORES)('event TTL on %s', (store) => {
  const harness = setupOnce(() => startHarness(['--event-ttl=3s'], store));
  afterAll(async () => {
    try {
      await harness().stop();
    } catch {
      // setup failed: nothing to stop
    }
  });

  it('stores events on one shared lease and lets them expire; other objects stay', async () => {
    const h = harness();
    for (const name of ['e1', 'e2']) expect((await api(h.url, '/api/v1/namespaces/default/events', { method: 'POST', body: event(name) })).status).toBe(201);
    expect((await api(h.url, '/api/v1/namespaces/default/configmaps', { method: 'POST', body: { metadata: { name: 'stays' } } })).status).toBe(201);
    const leaseOf = async (key: string): Promise<number> => {
      const r = await h.etcd.etcdctl(['get', key, '--write-out=json']);
      expect(r.code, r.stderr).toBe(0);
      const kvs = (JSON.parse(r.stdout) as { kvs?: Array<{ lease?: number }> }).kvs ?? [];
      expect(kvs.length).toBe(1);
      return kvs[0].lease ?? 0;
    };
    const l1 = await leaseOf('/registry/events/default/e1');
    expect(l1).not.toBe(0);
    expect(await leaseOf('/registry/events/default/e2')).toBe(l1);
    expect(await leaseOf('/registry/configmaps/default/stays')).toBe(0);
    await eventually('the events to expire', async () => {
      const [a, b] = await Promise.all(['e1', 'e2'].map((n) => api(h.url, `/api/v1/namespaces/default/events/${n}`)));
      return a.status === 404 && b.status === 404 ? true : undefined;
    }, 60_000);
    expect((await api(h.url, '/api/v1/namespaces/default/configmaps/stays')).status).toBe(200);
  }, 120_000);
});
