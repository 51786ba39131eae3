// Slow, multi-process: real etcd 3.4 shared by three in-process apiservers, for what admission and start-up must get
// right when apiservers race each other on one store: the built-in PriorityClasses created once, a class created
// through one apiserver usable at once through another, and a ResourceQuota never overshot by creates spread over
// all three (no controller-manager: the test sets the quota's status as the quota controller would).
import { afterAll, describe, expect, it } from 'vitest';
import { ApiServer } from '../src/apiserver/index.ts';
import { EtcdCluster } from '../src/store/testing/etcd-process.ts';
import { api, setupOnce } from './apiserver-harness.ts';

interface Item {
  metadata: { name: string; resourceVersion: string; generation?: number };
  value?: number;
  description?: string;
  status?: { used?: Record<string, string> };
}

describe('three apiservers on one etcd', () => {
  const setup = setupOnce(async () => {
    const etcd = await EtcdCluster.start({ impl: 'etcd', members: 1 });
    try {
      // All three start at once: each finds the system classes missing and races to create them.
      const servers = await Promise.all([0, 1, 2].map(() => ApiServer.start({ etcdServers: etcd.clientUrls(), port: 0, grpcPort: null })));
      return { etcd, servers };
    } catch (err) {
      await etcd.cleanup();
      throw err;
    }
  });
  afterAll(async () => {
    try {
      const { etcd, servers } = setup();
      await Promise.all(servers.map((s) => s.close()));
      await etcd.cleanup();
    } catch {
      // setup failed: nothing to stop
    }
  });

  it('creates the system PriorityClasses once, and leaves them alone on a restart', async () => {
    const { etcd, servers } = setup();
    const list = async (url: string) => ((await api(url, '/apis/scheduling.k8s.io/v1/priorityclasses')).json as { items: Item[] }).items;
    for (const s of servers) {
      expect((await list(s.url)).map((pc) => [pc.metadata.name, pc.value, pc.metadata.generation])).toEqual([
        ['system-cluster-critical', 2000000000, 1],
        ['system-node-critical', 2000001000, 1],
      ]);
    }
    // An operator's edit survives another apiserver starting: existing classes are not rewritten.
    const patched = await api(servers[0].url, '/apis/scheduling.k8s.io/v1/priorityclasses/system-node-critical', {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: { description: 'edited' },
    });
    expect(patched.status).toBe(200);
    const fourth = await ApiServer.start({ etcdServers: etcd.clientUrls(), port: 0, grpcPort: null });
    try {
      const after = await list(fourth.url);
      expect(after.find((pc) => pc.metadata.name === 'system-node-critical')?.description).toBe('edited');
      expect(after.map((pc) => pc.metadata.resourceVersion)).toEqual((await list(servers[1].url)).map((pc) => pc.metadata.resourceVersion));
    } finally {
      await fourth.close();
    }
  });

  it('resolves a PriorityClass created through another apiserver at once', async () => {
    const { servers } = setup();
    const created = await api(servers[0].url, '/apis/scheduling.k8s.io/v1/priorityclasses', { method: 'POST', body: { metadata: { name: 'fresh' }, value: 4242 } });
    expect(created.status).toBe(201);
    const pod = await api(servers[2].url, '/api/v1/namespaces/default/pods', {
      method: 'POST',
      body: { metadata: { name: 'uses-fresh' }, spec: { priorityClassName: 'fresh', containers: [{ name: 'c', image: 'busybox:1.36' }] } },
    });
    expect(pod.status).toBe(201);
    expect((pod.json as { spec: { priority: number } }).spec.priority).toBe(4242);
  });

  it('never admits more pods than a quota allows, however the creates are spread', async () => {
    const { servers } = setup();
    const [a] = servers;
    expect((await api(a.url, '/api/v1/namespaces', { method: 'POST', body: { metadata: { name: 'quota-race' } } })).status).toBe(201);
    const quotaPath = '/api/v1/namespaces/quota-race/resourcequotas/three';
    expect((await api(a.url, '/api/v1/namespaces/quota-race/resourcequotas', { method: 'POST', body: { metadata: { name: 'three' }, spec: { hard: { pods: '3' } } } })).status).toBe(201);
    const quota = (await api(a.url, quotaPath)).json as unknown as Item;
    const status = await api(a.url, `${quotaPath}/status`, { method: 'PUT', body: { ...quota, status: { hard: { pods: '3' }, used: { pods: '0' } } } });
    expect(status.status).toBe(200);
    const results = await Promise.all(
      Array.from({ length: 9 }, (_, i) =>
        api(servers[i % 3].url, '/api/v1/namespaces/quota-race/pods', { method: 'POST', body: { metadata: { name: `p${i}` }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } } }),
      ),
    );
    const codes = results.map((r) => r.status);
    expect(codes.filter((c) => c === 201)).toHaveLength(3);
    for (const r of results.filter((x) => x.status !== 201)) {
      expect(r.status).toBe(403);
      expect(String(r.json.message)).toMatch(/^pods "p\d" is forbidden: exceeded quota: three, requested: pods=1, used: pods=3, limited: pods=3$/);
    }
    expect(((await api(a.url, quotaPath)).json as unknown as Item).status?.used).toEqual({ pods: '3' });
  });
});
