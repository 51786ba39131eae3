import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger.ts';
import type { ObjectStore, StoredEvent, StoreWatchHandlers } from '../storage/index.ts';
import type { KubeObject } from '../types.ts';
import { TooOldResourceVersionError, WatchCache, type WatchEventType } from './watch-cache.ts';

/** A store that lists a fixed set and lets the test push watch events. */
class FakeStore {
  handlers: StoreWatchHandlers | null = null;
  lists = 0;
  constructor(
    private readonly items: KubeObject[],
    private readonly revision: number,
  ) {}
  async list(): Promise<{ items: KubeObject[]; revision: number }> {
    this.lists++;
    return { items: this.items, revision: this.revision };
  }
  watch(_prefix: string, _start: number, handlers: StoreWatchHandlers): { cancel(): void } {
    this.handlers = handlers;
    return { cancel: () => {} };
  }
}

const pod = (name: string, rv: number, labels: Record<string, string> = {}): KubeObject => ({
  metadata: { name, namespace: 'ns', resourceVersion: String(rv), labels },
});
const event = (type: StoredEvent['type'], obj: KubeObject, prev: KubeObject | null): StoredEvent => ({
  type,
  key: `/registry/pods/ns/${obj.metadata?.name}`,
  object: obj,
  prevObject: () => prev,
  revision: Number(obj.metadata?.resourceVersion),
});

function recorder() {
  const seen: string[] = [];
  return {
    seen,
    sink: {
      event: (type: WatchEventType, obj: KubeObject) => seen.push(`${type} ${obj.metadata?.name}@${obj.metadata?.resourceVersion}`),
      bookmark: (rv: number) => seen.push(`BOOKMARK @${rv}`),
      closed: () => seen.push('CLOSED'),
    },
  };
}

async function startCache(capacity = 4) {
  const store = new FakeStore([pod('a', 5)], 10);
  const cache = new WatchCache({ store: store as unknown as ObjectStore, prefix: '/registry/pods/', logger: silentLogger(), capacity, relistDelayMs: 1 });
  await cache.start();
  return { store, cache };
}

describe('watch cache', () => {
  it('lists current objects and starts watches without a resourceVersion with ADDED events', async () => {
    const { store, cache } = await startCache();
    expect(cache.list().items.map((o) => o.metadata?.name)).toEqual(['a']);
    const r = recorder();
    cache.watch({ fromRevision: null, filter: () => true, bookmarks: false }, r.sink);
    store.handlers?.onEvents([event('ADDED', pod('b', 11), null)], 11);
    expect(r.seen).toEqual(['ADDED a@5', 'ADDED b@11']);
    expect(cache.revision).toBe(11);
    cache.stop();
  });

  it('replays the ring from a resourceVersion and answers too old ones with TooOldResourceVersionError', async () => {
    const { store, cache } = await startCache(2);
    store.handlers?.onEvents([event('ADDED', pod('b', 11), null), event('MODIFIED', pod('b', 12), pod('b', 11)), event('DELETED', pod('b', 13), pod('b', 12))], 13);
    const r = recorder();
    cache.watch({ fromRevision: 11, filter: () => true, bookmarks: false }, r.sink);
    expect(r.seen).toEqual(['MODIFIED b@12', 'DELETED b@13']);
    expect(() => cache.watch({ fromRevision: 10, filter: () => true, bookmarks: false }, recorder().sink)).toThrow(new TooOldResourceVersionError(10, 11));
    cache.stop();
  });

  it('turns objects leaving or entering a filter into DELETED / ADDED', async () => {
    const { store, cache } = await startCache();
    const r = recorder();
    cache.watch({ fromRevision: 10, filter: (o) => o.metadata?.labels?.app === 'web', bookmarks: false }, r.sink);
    store.handlers?.onEvents([event('MODIFIED', pod('a', 11, { app: 'web' }), pod('a', 5))], 11);
    store.handlers?.onEvents([event('MODIFIED', pod('a', 12, { app: 'web', x: 'y' }), pod('a', 11, { app: 'web' }))], 12);
    store.handlers?.onEvents([event('MODIFIED', pod('a', 13, { app: 'db' }), pod('a', 12, { app: 'web' }))], 13);
    expect(r.seen).toEqual(['ADDED a@11', 'MODIFIED a@12', 'DELETED a@13']);
    cache.stop();
  });

  it("takes an event's previous object from its own copy, decoding prev_kv only for a key it does not hold", async () => {
    const { store, cache } = await startCache();
    const r = recorder();
    cache.watch({ fromRevision: 10, filter: (o) => o.metadata?.labels?.app === 'web', bookmarks: false }, r.sink);
    const undecodable = (e: StoredEvent): StoredEvent => ({ ...e, prevObject: () => { throw new Error('prev_kv decoded'); } });
    // 'a' is cached (listed at 5, no labels): the filter's "before" comes from that copy.
    store.handlers?.onEvents([undecodable(event('MODIFIED', pod('a', 11, { app: 'web' }), pod('a', 5)))], 11);
    // 'z' is not cached: its prev_kv (labelled web) decides that it leaves the filter.
    let decoded = 0;
    const z: StoredEvent = { ...event('MODIFIED', pod('z', 12, { app: 'db' }), null), prevObject: () => (decoded++, pod('z', 9, { app: 'web' })) };
    store.handlers?.onEvents([z], 12);
    expect(r.seen).toEqual(['ADDED a@11', 'DELETED z@12']);
    expect(decoded).toBe(1);
    cache.stop();
  });

  it('sends bookmarks only to watchers that asked, and closes watchers and relists when the store watch fails', async () => {
    const { store, cache } = await startCache();
    const withBookmarks = recorder();
    const without = recorder();
    cache.watch({ fromRevision: 10, filter: () => true, bookmarks: true }, withBookmarks.sink);
    cache.watch({ fromRevision: 10, filter: () => true, bookmarks: false }, without.sink);
    const ahead = recorder();
    cache.watch({ fromRevision: 30, filter: () => true, bookmarks: true }, ahead.sink);
    store.handlers?.onProgress(20);
    cache.sendBookmarks();
    expect(withBookmarks.seen).toEqual(['BOOKMARK @20']);
    expect(ahead.seen).toEqual(['BOOKMARK @30']); // never behind the revision the watch started from
    expect(without.seen).toEqual([]);
    store.handlers?.onError(Object.assign(new Error('compacted'), { compactRevision: 15 }));
    expect(withBookmarks.seen.at(-1)).toBe('CLOSED');
    expect(without.seen).toEqual(['CLOSED']);
    expect(cache.ready).toBe(false);
    await cache.whenReady();
    expect(store.lists).toBe(2);
    cache.stop();
  });
});
