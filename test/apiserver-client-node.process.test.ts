// Slow, multi-process: real etcd 3.4 + our apiserver (in this process), driven by @kubernetes/client-node: typed
// create/list/patch/delete, a raw watch, and an informer (list + watch) that must see every change.
import { CoreV1Api, KubeConfig, makeInformer, PatchStrategy, setHeaderOptions, Watch, type V1ConfigMap } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiServer, kubeconfigYaml } from '../src/apiserver/index.ts';
import { Compactor, EtcdClient } from '../src/apiserver/storage/index.ts';
import { silentLogger } from '../src/common/logger.ts';
import { allocateLoopbackPorts, EtcdCluster } from '../src/store/testing/etcd-process.ts';
import { setupOnce } from './apiserver-harness.ts';

interface Env {
  etcd: EtcdCluster;
  server: ApiServer;
  kc: KubeConfig;
  core: CoreV1Api;
}

async function eventually(check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('@kubernetes/client-node against barque apiserver on real etcd', () => {
  const env = setupOnce<Env>(async () => {
    const etcd = await EtcdCluster.start({ impl: 'etcd', members: 1 });
    // The first endpoint has nobody listening: every call must fail over to the real one.
    const [deadPort] = await allocateLoopbackPorts(1);
    const server = await ApiServer.start({ etcdServers: [`http://127.0.0.1:${deadPort}`, ...etcd.clientUrls()], port: 0, bookmarkIntervalMs: 500 });
    const kc = new KubeConfig();
    kc.loadFromString(kubeconfigYaml(server.url));
    return { etcd, server, kc, core: kc.makeApiClient(CoreV1Api) };
  });
  afterAll(async () => {
    try {
      const { server, etcd } = env();
      await server.close();
      await etcd.cleanup();
    } catch {
      // setup failed: nothing to stop
    }
  });

  it('creates, lists with selectors, patches and deletes', async () => {
    const { core } = env();
    await core.createNamespace({ body: { metadata: { name: 'cn' } } });
    for (const [name, tier] of [
      ['a', 'front'],
      ['b', 'back'],
      ['c', 'front'],
    ]) {
      const created = await core.createNamespacedConfigMap({ namespace: 'cn', body: { metadata: { name, labels: { tier } }, data: { k: name } } });
      expect(created.metadata?.uid).toBeTruthy();
    }
    const front = await core.listNamespacedConfigMap({ namespace: 'cn', labelSelector: 'tier=front' });
    expect(front.items.map((c) => c.metadata?.name)).toEqual(['a', 'c']);
    const byName = await core.listNamespacedConfigMap({ namespace: 'cn', fieldSelector: 'metadata.name=b' });
    expect(byName.items.map((c) => c.metadata?.name)).toEqual(['b']);
    const patched = await core.patchNamespacedConfigMap(
      { namespace: 'cn', name: 'b', body: { data: { k: 'patched', extra: 'x' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(patched.data).toEqual({ k: 'patched', extra: 'x' });
    await core.deleteNamespacedConfigMap({ namespace: 'cn', name: 'c' });
    await expect(core.readNamespacedConfigMap({ namespace: 'cn', name: 'c' })).rejects.toMatchObject({ code: 404 });
  });

  it('watches from a list resourceVersion and gets bookmarks', async () => {
    const { core, kc } = env();
    const list = await core.listNamespacedConfigMap({ namespace: 'cn' });
    const events: string[] = [];
    const watch = new Watch(kc);
    const controller = await watch.watch(
      '/api/v1/namespaces/cn/configmaps',
      { resourceVersion: list.metadata?.resourceVersion, allowWatchBookmarks: true },
      (type, obj: V1ConfigMap) => events.push(`${type} ${obj.metadata?.name ?? ''}`),
      () => {},
    );
    try {
      await core.createNamespacedConfigMap({ namespace: 'cn', body: { metadata: { name: 'w' } } });
      await core.replaceNamespacedConfigMap({ namespace: 'cn', name: 'w', body: { metadata: { name: 'w' }, data: { x: '1' } } });
      await core.deleteNamespacedConfigMap({ namespace: 'cn', name: 'w' });
      await eventually(() => events.includes('DELETED w') && events.some((e) => e.startsWith('BOOKMARK')));
      expect(events.filter((e) => !e.startsWith('BOOKMARK'))).toEqual(['ADDED w', 'MODIFIED w', 'DELETED w']);
    } finally {
      controller.abort();
    }
  });

  it('keeps an informer cache in step with the server', async () => {
    const { core, kc } = env();
    const informer = makeInformer(kc, '/api/v1/namespaces/cn/configmaps', () => core.listNamespacedConfigMap({ namespace: 'cn' }));
    await informer.start();
    try {
      expect(informer.list('cn').map((c) => c.metadata?.name).sort()).toEqual(['a', 'b']);
      await core.createNamespacedConfigMap({ namespace: 'cn', body: { metadata: { name: 'i' } } });
      await core.deleteNamespacedConfigMap({ namespace: 'cn', name: 'a' });
      await eventually(() => {
        const names = informer.list('cn').map((c) => c.metadata?.name).sort();
        return JSON.stringify(names) === JSON.stringify(['b', 'i']);
      });
    } finally {
      await informer.stop();
    }
  });

  it('compacts the way kube-apiserver does: one interval behind, elected through compact_rev_key', async () => {
    const { etcd } = env();
    const client = new EtcdClient({ endpoints: etcd.clientUrls() });
    try {
      const first = new Compactor(client, silentLogger(), 0);
      const second = new Compactor(client, silentLogger(), 0);
      expect(await first.round()).toBe(0); // nothing seen yet
      expect(await second.round()).toBe(0); // lost the election: follows the key's version
      const compacted = await first.round();
      expect(compacted).toBeGreaterThan(0);
      await expect(client.range(Buffer.from('/registry/'), { revision: compacted - 1 })).rejects.toThrow(/required revision has been compacted/);
    } finally {
      client.close();
    }
  });
});
