import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger.ts';
import type { ObjectStore, StoreWatchHandlers } from '../storage/index.ts';
import type { KubeObject } from '../types.ts';
import { WatchCache } from '../watch-cache/index.ts';
import { ResourceRegistry, storagePrefix } from './registry.ts';
import { CORE_RESOURCES } from './resources.ts';

/** Serves one resource's list and watch to a watch cache; the test pushes events. */
class FeedStore {
  handlers: StoreWatchHandlers | null = null;
  constructor(private readonly items: KubeObject[]) {}
  async list(): Promise<{ items: KubeObject[]; revision: number }> {
    return { items: this.items, revision: 10 };
  }
  watch(_prefix: string, _start: number, handlers: StoreWatchHandlers): { cancel(): void } {
    this.handlers = handlers;
    return { cancel: () => {} };
  }
}

/** The object store the registries write through: counts reads, answers from a map. */
class CountingStore {
  gets: string[] = [];
  lastWriteRevision = 10;
  readonly objects = new Map<string, KubeObject>();
  async get(key: string): Promise<KubeObject | null> {
    this.gets.push(key);
    return this.objects.get(key) ?? null;
  }
  async create(key: string, obj: KubeObject): Promise<KubeObject> {
    this.lastWriteRevision++;
    const stored = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(this.lastWriteRevision) } };
    this.objects.set(key, stored);
    return stored;
  }
}

const defOf = (resource: string) => {
  const def = CORE_RESOURCES.find((d) => d.group === '' && d.resource === resource);
  if (def === undefined) throw new Error(resource);
  return def;
};

async function setup() {
  const active: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'busy', resourceVersion: '5' }, status: { phase: 'Active' } };
  const feed = new FeedStore([active]);
  const nsCache = new WatchCache({ store: feed as unknown as ObjectStore, prefix: storagePrefix(defOf('namespaces')), logger: silentLogger(), capacity: 16 });
  await nsCache.start();
  const cmFeed = new FeedStore([]);
  const cmCache = new WatchCache({ store: cmFeed as unknown as ObjectStore, prefix: storagePrefix(defOf('configmaps')), logger: silentLogger(), capacity: 16 });
  await cmCache.start();
  const store = new CountingStore();
  store.objects.set('/registry/namespaces/busy', active);
  const registries: ResourceRegistry[] = [];
  const byName = new Map<string, ResourceRegistry>();
  const lookup = (r: string) => byName.get(r);
  const namespaces = new ResourceRegistry(defOf('namespaces'), store as unknown as ObjectStore, nsCache, lookup, () => registries);
  const configmaps = new ResourceRegistry(defOf('configmaps'), store as unknown as ObjectStore, cmCache, lookup, () => registries);
  registries.push(namespaces, configmaps);
  byName.set('namespaces', namespaces);
  byName.set('configmaps', configmaps);
  return { feed, store, namespaces, configmaps, stop: () => (nsCache.stop(), cmCache.stop()) };
}

const configMap = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } });

describe('NamespaceLifecycle from the watch cache', () => {
  it('admits a create in a namespace the cache holds without reading the store', async () => {
    const { store, configmaps, stop } = await setup();
    await configmaps.create('busy', configMap('a'));
    await configmaps.create('busy', configMap('b'));
    expect(store.gets).toEqual([]);
    stop();
  });

  it('reads the store for a namespace the cache does not hold: 404 when it does not exist', async () => {
    const { store, configmaps, stop } = await setup();
    await expect(configmaps.create('nowhere', configMap('a'))).rejects.toMatchObject({ code: 404 });
    expect(store.gets).toEqual(['/registry/namespaces/nowhere']);
    stop();
  });

  it('after its own namespace write, reads the store until the cache has caught up with it', async () => {
    const { feed, store, namespaces, configmaps, stop } = await setup();
    const created = await namespaces.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fresh' } });
    await configmaps.create('busy', configMap('a')); // the cache is behind this apiserver's write: the store decides
    expect(store.gets).toEqual(['/registry/namespaces/busy']);
    const revision = Number(created.metadata?.resourceVersion);
    feed.handlers?.onEvents([{ type: 'ADDED', key: '/registry/namespaces/fresh', object: created, prevObject: () => null, revision }], revision);
    await configmaps.create('fresh', configMap('b'));
    await configmaps.create('busy', configMap('c'));
    expect(store.gets).toEqual(['/registry/namespaces/busy']);
    stop();
  });
});
