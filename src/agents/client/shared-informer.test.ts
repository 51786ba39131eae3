import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../apiserver/index.ts';
import { ManualClock } from './clock.ts';
import { StatusError } from './errors.ts';
import type { ListerWatcher } from './reflector.ts';
import type { ListOptions, WatchHandlers, WatchOptions } from './resource-client.ts';
import { SharedInformer } from './shared-informer.ts';

const obj = (name: string, rv: number): KubeObject => ({ metadata: { namespace: 'ns', name, resourceVersion: String(rv) } });
const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

/** A scripted apiserver: the test decides what each list returns and drives each watch's events. */
class FakeLW implements ListerWatcher<KubeObject> {
  lists: ListOptions[] = [];
  watches: { options: WatchOptions; handlers: WatchHandlers<KubeObject>; stopped: boolean }[] = [];
  objects: KubeObject[] = [];
  rv = 10;
  listFails = 0;

  async list(options: ListOptions) {
    this.lists.push(options);
    if (this.listFails > 0) {
      this.listFails--;
      throw new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 503, reason: 'ServiceUnavailable' }, 14);
    }
    return { items: structuredClone(this.objects), resourceVersion: String(this.rv), continue: '' };
  }

  watch(options: WatchOptions, handlers: WatchHandlers<KubeObject>) {
    const w = { options, handlers, stopped: false };
    this.watches.push(w);
    return { stop: () => void (w.stopped = true) };
  }

  get current() {
    return this.watches[this.watches.length - 1];
  }
}

function informer(lw: FakeLW, clock: ManualClock, resyncPeriodMs = 0) {
  const inf = new SharedInformer<KubeObject>(lw, { clock, resyncPeriodMs });
  const seen: string[] = [];
  inf.addEventHandler({
    onAdd: (o) => seen.push(`add ${o.metadata?.name}@${o.metadata?.resourceVersion}`),
    onUpdate: (a, b) => seen.push(`update ${b.metadata?.name}@${a.metadata?.resourceVersion}->${b.metadata?.resourceVersion}`),
    onDelete: (o) => seen.push(`delete ${o.metadata?.name}`),
  });
  return { inf, seen };
}

describe('Reflector and SharedInformer (scripted apiserver, manual clock)', () => {
  it('lists from the cache, watches from the list resourceVersion, and follows events and bookmarks', async () => {
    const lw = new FakeLW();
    lw.objects = [obj('a', 5)];
    const clock = new ManualClock();
    const { inf, seen } = informer(lw, clock);
    inf.run();
    await inf.waitForSync();
    await settle();
    expect(lw.lists).toEqual([{ resourceVersion: '0' }]);
    expect(lw.current.options).toMatchObject({ resourceVersion: '10', allowWatchBookmarks: true });
    lw.current.handlers.event({ type: 'ADDED', object: obj('b', 11) });
    lw.current.handlers.event({ type: 'MODIFIED', object: obj('a', 12) });
    lw.current.handlers.event({ type: 'DELETED', object: obj('b', 13) });
    lw.current.handlers.event({ type: 'BOOKMARK', resourceVersion: '20' });
    expect(seen).toEqual(['add a@5', 'add b@11', 'update a@5->12', 'delete b']);
    expect(inf.lastSyncResourceVersion).toBe('20');
    await inf.stop();
    expect(lw.current.stopped).toBe(true);
  });

  it('resumes a closed watch from the last resourceVersion without relisting', async () => {
    const lw = new FakeLW();
    const clock = new ManualClock();
    const { inf } = informer(lw, clock);
    inf.run();
    await inf.waitForSync();
    await settle();
    lw.current.handlers.event({ type: 'ADDED', object: obj('a', 15) });
    lw.current.handlers.closed(null); // server timeout
    await settle();
    expect(lw.watches).toHaveLength(2);
    expect(lw.current.options.resourceVersion).toBe('15');
    // A broken connection after events: resumed at once; one that fails before any event backs off first.
    lw.current.handlers.event({ type: 'BOOKMARK', resourceVersion: '18' });
    lw.current.handlers.closed(new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 503, reason: 'ServiceUnavailable' }, 14));
    await settle();
    expect(lw.watches).toHaveLength(3);
    lw.current.handlers.closed(new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 503, reason: 'ServiceUnavailable' }, 14));
    await settle();
    expect(lw.watches).toHaveLength(3);
    clock.advance(800);
    await settle();
    expect(lw.watches).toHaveLength(4);
    expect(lw.current.options.resourceVersion).toBe('18');
    expect(lw.lists).toHaveLength(1);
    await inf.stop();
  });

  it('gives up on a watch still open well past its server-side timeout and resumes it', async () => {
    const lw = new FakeLW();
    const clock = new ManualClock();
    const inf = new SharedInformer<KubeObject>(lw, { clock, resyncPeriodMs: 0, watchTimeoutSeconds: 60 });
    inf.run();
    await inf.waitForSync();
    await settle();
    lw.current.handlers.event({ type: 'ADDED', object: obj('a', 15) });
    clock.advance(60_000 + 29_999);
    await settle();
    expect(lw.watches).toHaveLength(1);
    clock.advance(1);
    await settle();
    expect(lw.watches[0].stopped).toBe(true);
    expect(lw.watches).toHaveLength(2);
    expect(lw.current.options.resourceVersion).toBe('15');
    expect(lw.lists).toHaveLength(1);
    await inf.stop();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('relists (consistently) on 410 Expired and turns the difference into adds, updates and deletes', async () => {
    const lw = new FakeLW();
    lw.objects = [obj('keep', 1), obj('change', 2), obj('gone', 3)];
    const clock = new ManualClock();
    const { inf, seen } = informer(lw, clock);
    inf.run();
    await inf.waitForSync();
    await settle();
    seen.length = 0;
    lw.objects = [obj('keep', 1), obj('change', 30), obj('new', 31)];
    lw.rv = 40;
    lw.current.handlers.event({ type: 'ERROR', status: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 410, reason: 'Expired', message: 'too old resource version: 10 (35)' } });
    await settle();
    expect(lw.lists).toEqual([{ resourceVersion: '0' }, { resourceVersion: '' }]);
    expect(seen.sort()).toEqual(['add new@31', 'delete gone', 'update change@2->30']);
    expect(lw.current.options.resourceVersion).toBe('40');
    expect(inf.listCount).toBe(2);
    await inf.stop();
  });

  it('retries a failed list with back-off, then resyncs every object every period', async () => {
    const lw = new FakeLW();
    lw.objects = [obj('a', 1), obj('b', 2)];
    lw.listFails = 2;
    const clock = new ManualClock();
    const { inf, seen } = informer(lw, clock, 60_000);
    inf.run();
    await settle();
    expect(inf.hasSynced()).toBe(false);
    clock.advance(800);
    await settle();
    expect(lw.lists).toHaveLength(2);
    clock.advance(1_599);
    await settle();
    expect(lw.lists).toHaveLength(2); // 1.6 s the second time
    clock.advance(1);
    await settle();
    expect(inf.hasSynced()).toBe(true);
    seen.length = 0;
    clock.advance(60_000 - 2_400);
    expect(seen.sort()).toEqual(['update a@1->1', 'update b@2->2']);
    // A handler added late is told about what is cached.
    const late: string[] = [];
    inf.addEventHandler({ onAdd: (o) => late.push(o.metadata?.name ?? '') });
    expect(late.sort()).toEqual(['a', 'b']);
    await inf.stop();
    expect(clock.pendingTimers()).toBe(0);
  });
});
