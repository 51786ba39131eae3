import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger.ts';
import { ResourceRegistry } from '../rest/registry.ts';
import { CORE_RESOURCES } from '../rest/resources.ts';
import type { ObjectStore, StoreWatchHandlers } from '../storage/index.ts';
import type { KubeObject } from '../types.ts';
import { eventJson } from './event-json.ts';
import { WatchCache, type WatchEventType } from './watch-cache.ts';

/** Lists nothing; the test pushes watch events. */
class FakeStore {
  handlers: StoreWatchHandlers | null = null;
  async list(): Promise<{ items: KubeObject[]; revision: number }> {
    return { items: [], revision: 10 };
  }
  watch(_prefix: string, _start: number, handlers: StoreWatchHandlers): { cancel(): void } {
    this.handlers = handlers;
    return { cancel: () => {} };
  }
}

describe('watch event JSON', () => {
  it('is encoded once per object and shared', () => {
    const a = { metadata: { name: 'a' } };
    const first = eventJson(a);
    expect(JSON.parse(first.toString())).toEqual(a);
    expect(eventJson(a)).toBe(first);
    expect(eventJson({ metadata: { name: 'a' } })).not.toBe(first);
  });

  it('every watcher of a registry gets the same typed object for an event, so its JSON is made once', async () => {
    const def = CORE_RESOURCES.find((d) => d.group === '' && d.resource === 'pods');
    expect(def).toBeDefined();
    const store = new FakeStore();
    const cache = new WatchCache({ store: store as unknown as ObjectStore, prefix: '/registry/pods/', logger: silentLogger(), capacity: 16 });
    await cache.start();
    const registry = new ResourceRegistry(def!, store as unknown as ObjectStore, cache, () => undefined, () => []);
    const seen: Array<{ type: WatchEventType; obj: KubeObject }>[] = [[], []];
    for (const got of seen) {
      await registry.watch('', {}, false, { event: (type, obj) => got.push({ type, obj }), bookmark: () => undefined, closed: () => undefined });
    }
    const pod: KubeObject = { metadata: { name: 'p', namespace: 'ns', resourceVersion: '11' } };
    store.handlers?.onEvents([{ type: 'ADDED', key: '/registry/pods/ns/p', object: pod, prevObject: () => null, revision: 11 }], 11);
    expect(seen.map((s) => s.length)).toEqual([1, 1]);
    const [x, y] = [seen[0][0].obj, seen[1][0].obj];
    expect(x).toBe(y);
    expect(x).toMatchObject({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } });
    expect(eventJson(x)).toBe(eventJson(y));
    cache.stop();
  });
});
