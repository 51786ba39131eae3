import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../lease/clock.ts';
import { Lessor } from '../lease/lessor.ts';
import { prefixEnd } from '../mvcc/index.ts';
import { fragment, fragmentResponse, watchResponseSize } from './fragment.ts';
import { b, drain, drainAll, events, fixture, type Fixture } from './test-helpers.ts';
import { ERR_EMPTY_WATCHER_RANGE, ERR_WATCHER_DUPLICATE_ID, WatchFilter } from './types.ts';

let f: Fixture;
beforeEach(async () => {
  f = await fixture();
});
afterEach(async () => {
  await f.cleanup();
});

describe('watch from now', () => {
  it('answers created at the current revision, then one response per batch', async () => {
    await f.put('a', '1'); // rev 2
    const s = f.hub.newStream();
    s.create({ key: b('a') });
    expect(drain(s)).toMatchObject([{ watchId: 0, created: true, header: { revision: 2 }, events: [] }]);
    await f.put('a', '2');
    await f.put('b', '1');
    await f.del('a');
    const got = drain(s);
    expect(got.map((r) => r.header.revision)).toEqual([3, 5]);
    expect(events(got)).toEqual(['put a=2@3', 'del a@5']);
    // A delete carries only key and revision; no prev_kv unless asked.
    expect(got[1].events[0].kv.value.length).toBe(0);
    expect(got[1].events[0].prevKv).toBeUndefined();
  });

  it('gives a multi-revision batch as one response with the batch revision', async () => {
    const s = f.hub.newStream();
    s.create({ key: b('k'), rangeEnd: b('l') });
    drain(s);
    await f.batch((st) => {
      st.put({ key: b('k1'), value: b('x') });
      st.put({ key: b('k2'), value: b('y') });
      st.txn({ success: [{ requestPut: { key: b('k3'), value: b('z') } }, { requestDeleteRange: { key: b('k1') } }] });
    });
    const got = drain(s);
    expect(got).toHaveLength(1);
    expect(got[0].header.revision).toBe(4);
    expect(events(got)).toEqual(['put k1=x@2', 'put k2=y@3', 'put k3=z@4', 'del k1@4']);
  });

  it('waits for a future start revision', async () => {
    const s = f.hub.newStream();
    s.create({ key: b('a'), startRevision: 4 });
    drain(s);
    await f.put('a', '1'); // 2
    await f.put('a', '2'); // 3
    await f.put('a', '3'); // 4
    expect(events(drain(s))).toEqual(['put a=3@4']);
  });
});

describe('watch from history', () => {
  it('replays past revisions in order and continues live without gap or repeat', async () => {
    for (let i = 1; i <= 5; i++) await f.put('a', String(i)); // revs 2..6
    const s = f.hub.newStream();
    s.create({ key: b('a'), startRevision: 3 });
    expect(f.hub.unsyncedCount).toBe(1);
    const first = await drainAll(f.hub, s);
    expect(first[0].created).toBe(true);
    expect(events(first)).toEqual(['put a=2@3', 'put a=3@4', 'put a=4@5', 'put a=5@6']);
    expect(f.hub.syncedCount).toBe(1);
    await f.put('a', '6');
    expect(events(drain(s))).toEqual(['put a=6@7']);
  });

  it('cancels with compact_revision when the start revision is compacted, serves it at the compacted revision', async () => {
    for (let i = 1; i <= 5; i++) await f.put('a', String(i)); // revs 2..6
    await f.batch((st) => void st.compact({ revision: 4 }));
    const s = f.hub.newStream();
    s.create({ key: b('a'), startRevision: 3 });
    s.create({ key: b('a'), startRevision: 4 });
    const got = await drainAll(f.hub, s);
    const compacted = got.find((r) => r.watchId === 0 && !r.created)!;
    expect(compacted).toMatchObject({ compactRevision: 4, canceled: true, header: { revision: 0 }, events: [] });
    expect(events(got, 1)).toEqual(['put a=3@4', 'put a=4@5', 'put a=5@6']);
    // The compacted watcher's ID stays taken until the client cancels it, as in etcd.
    s.cancel(0);
    expect(drain(s)).toMatchObject([{ watchId: 0, canceled: true }]);
  });
});

describe('lease revoke', () => {
  it('shows every key of a revoked lease as deletes of one revision in one response', async () => {
    const lessor = new Lessor({ clock: new ManualClock() });
    await f.batch(() => void lessor.grant(9n, 60)); // the fixture's store does not check leases
    await f.batch((st) => {
      st.put({ key: b('x/1'), value: b('a'), lease: 9n });
      st.put({ key: b('x/2'), value: b('b'), lease: 9n });
    });
    const s = f.hub.newStream();
    s.create({ key: b('x/'), rangeEnd: prefixEnd(b('x/')), prevKv: true });
    drain(s);
    await f.batch((st) => void lessor.revoke(9n, st));
    const got = drain(s);
    expect(got).toHaveLength(1);
    expect(events(got)).toEqual(['del x/1@4', 'del x/2@4']);
    expect(got[0].events.map((e) => e.prevKv?.lease)).toEqual([9n, 9n]);
  });
});

describe('prev_kv of values not held in memory', () => {
  it('is read back for the watchers that ask for it, and only for them', async () => {
    const g = await fixture({}, { residentValueBytes: 0 });
    try {
      await g.put('a', '1');
      await g.put('b', '1');
      const withPrev = g.hub.newStream();
      withPrev.create({ key: b('a'), rangeEnd: b('c'), prevKv: true });
      const without = g.hub.newStream();
      without.create({ key: b('a'), rangeEnd: b('c') });
      drain(withPrev);
      drain(without);
      await g.put('a', '2');
      await g.del('b');
      const got = drain(withPrev).flatMap((r) => r.events);
      expect(got.map((e) => `${e.kv.key}:${e.prevKv?.value}@${e.prevKv?.modRevision}`)).toEqual(['a:1@2', 'b:1@3']);
      expect(drain(without).flatMap((r) => r.events.map((e) => e.prevKv))).toEqual([undefined, undefined]);
    } finally {
      await g.cleanup();
    }
  });
});

describe('ranges, filters, prev_kv', () => {
  it('watches a prefix, a range, from-key and all keys', async () => {
    const s = f.hub.newStream();
    s.create({ key: b('foo/'), rangeEnd: prefixEnd(b('foo/')) }); // 0
    s.create({ key: b('b'), rangeEnd: b('d') }); // 1
    s.create({ key: b('m'), rangeEnd: Buffer.from([0]) }); // 2: >= m
    s.create({ key: Buffer.alloc(0), rangeEnd: Buffer.from([0]) }); // 3: everything
    drain(s);
    for (const k of ['a', 'b', 'c', 'd', 'foo', 'foo/x', 'foo0', 'm', 'z']) await f.put(k, '1');
    const got = drain(s);
    const keysOf = (id: number) => events(got, id).map((e) => e.split(' ')[1].split('=')[0]);
    expect(keysOf(0)).toEqual(['foo/x']);
    expect(keysOf(1)).toEqual(['b', 'c']);
    expect(keysOf(2)).toEqual(['m', 'z']);
    expect(keysOf(3)).toEqual(['a', 'b', 'c', 'd', 'foo', 'foo/x', 'foo0', 'm', 'z']);
  });

  it('applies NOPUT / NODELETE and sends nothing when everything is filtered', async () => {
    const s = f.hub.newStream();
    s.create({ key: b('a'), filters: [WatchFilter.NoPut] }); // 0
    s.create({ key: b('a'), filters: [WatchFilter.NoDelete] }); // 1
    drain(s);
    await f.put('a', '1');
    await f.del('a');
    const got = drain(s);
    expect(got.map((r) => r.watchId)).toEqual([1, 0]);
    expect(events(got, 0)).toEqual(['del a@3']);
    expect(events(got, 1)).toEqual(['put a=1@2']);
  });

  it('sends prev_kv only when asked, live and from history', async () => {
    await f.put('a', '1'); // 2
    const s = f.hub.newStream();
    s.create({ key: b('a'), prevKv: true, startRevision: 3 }); // 0, synced (future)
    s.create({ key: b('a') }); // 1
    drain(s);
    await f.put('a', '2'); // 3
    await f.del('a'); // 4
    const got = drain(s);
    const withPrev = got.filter((r) => r.watchId === 0).flatMap((r) => r.events);
    expect(withPrev.map((e) => e.prevKv?.value.toString())).toEqual(['1', '2']);
    expect(got.filter((r) => r.watchId === 1).flatMap((r) => r.events.map((e) => e.prevKv))).toEqual([undefined, undefined]);
    const h = f.hub.newStream();
    h.create({ key: b('a'), prevKv: true, startRevision: 2 });
    const hist = (await drainAll(f.hub, h)).flatMap((r) => r.events);
    expect(hist.map((e) => e.prevKv?.value.toString())).toEqual([undefined, '1', '2']);
  });
});

describe('streams', () => {
  it('picks the lowest free IDs, refuses duplicates and empty ranges with etcd texts, cancels', async () => {
    const s = f.hub.newStream();
    s.create({ key: b('a'), watchId: 1 });
    s.create({ key: b('a') }); // auto: 0
    s.create({ key: b('a') }); // auto: 2 (1 is taken)
    s.create({ key: b('a'), watchId: 2 });
    s.create({ key: b('z'), rangeEnd: b('a') });
    expect(drain(s).map((r) => [r.watchId, r.created, r.canceled, r.cancelReason])).toEqual([
      [1, true, false, ''],
      [0, true, false, ''],
      [2, true, false, ''],
      [-1, true, true, ERR_WATCHER_DUPLICATE_ID],
      [-1, true, true, ERR_EMPTY_WATCHER_RANGE],
    ]);
    await f.put('a', '1');
    expect(drain(s).map((r) => r.watchId)).toEqual([1, 0, 2]);
    s.cancel(0);
    s.cancel(42); // unknown: no answer
    expect(drain(s)).toMatchObject([{ watchId: 0, canceled: true, header: { revision: 2 } }]);
    await f.put('a', '2');
    expect(drain(s).map((r) => r.watchId)).toEqual([1, 2]);
    s.close();
    await f.put('a', '3');
    expect(s.read()).toBeUndefined();
    expect(f.hub.syncedCount).toBe(0);
  });

  it('serves many watchers on one stream through the async iterator', async () => {
    const s = f.hub.newStream();
    for (let i = 0; i < 100; i++) s.create({ key: b(`k${i}`) });
    drain(s);
    const seen: number[] = [];
    const reader = (async () => {
      for await (const r of s) {
        seen.push(r.watchId);
        if (seen.length === 100) return;
      }
    })();
    await f.batch((st) => {
      for (let i = 99; i >= 0; i--) st.put({ key: b(`k${i}`), value: b('v') });
    });
    await reader;
    expect(new Set(seen).size).toBe(100);
  });
});

describe('progress', () => {
  it('notifies synced watchers that asked, with their ID, unless events went out since the last tick', async () => {
    const s = f.hub.newStream();
    s.create({ key: b('a'), progressNotify: true }); // 0
    s.create({ key: b('b') }); // 1
    drain(s);
    s.progressTick();
    expect(drain(s)).toMatchObject([{ watchId: 0, header: { revision: 1 }, events: [] }]);
    await f.put('a', '1');
    drain(s);
    s.progressTick(); // events were sent: elided
    expect(drain(s)).toEqual([]);
    await f.put('b', '1');
    s.progressTick();
    expect(drain(s)).toMatchObject([{ watchId: 1 }, { watchId: 0, header: { revision: 3 } }]);
  });

  it('answers a progress request with watch_id -1 once every watcher of the stream is synced', async () => {
    for (let i = 1; i <= 3; i++) await f.put('a', String(i));
    const s = f.hub.newStream();
    s.requestProgress();
    expect(drain(s)).toMatchObject([{ watchId: -1, header: { revision: 4 } }]);
    s.create({ key: b('a'), startRevision: 2 });
    s.requestProgress(); // the watcher is unsynced: deferred
    const got = await drainAll(f.hub, s);
    expect(got.map((r) => r.watchId)).toEqual([0, 0, -1]);
    expect(got[2].header.revision).toBe(4);
  });
});

describe('slow consumers', () => {
  it('keeps a stream that is never read bounded while another gets every batch at once', async () => {
    const g = await fixture({ maxQueuedEvents: 50 });
    try {
      const slow = g.hub.newStream();
      const fast = g.hub.newStream();
      slow.create({ key: b('k'), rangeEnd: b('l') });
      fast.create({ key: b('k'), rangeEnd: b('l') });
      drain(fast);
      let maxQueued = 0;
      for (let i = 0; i < 400; i++) {
        await g.batch((st) => {
          st.put({ key: b(`k${i % 7}`), value: b(String(i)) });
          st.put({ key: b(`k${(i + 3) % 7}`), value: b(String(i)) });
        });
        const got = drain(fast); // prompt: this batch, right now
        expect(got).toHaveLength(1);
        expect(got[0].header.revision).toBe(g.store.revision);
        maxQueued = Math.max(maxQueued, slow.queuedResponses);
        await g.hub.idle();
      }
      expect(maxQueued).toBeLessThanOrEqual(26); // created + at most 50 events in 2-event responses
      expect(g.hub.unsyncedCount).toBe(1);
      // Reading now, the slow watcher catches up from history: every event, in order, once.
      const all = events(await drainAll(g.hub, slow));
      expect(all).toHaveLength(800);
      const revs = all.map((e) => Number(e.split('@')[1]));
      expect(revs).toEqual([...revs].sort((x, y) => x - y));
      expect(new Set(all).size).toBe(800);
      expect(g.hub.syncedCount).toBe(2);
    } finally {
      await g.cleanup();
    }
  });

  it('cancels a victim with compact_revision when the history it needs was compacted', async () => {
    const g = await fixture({ maxQueuedEvents: 4 });
    try {
      const s = g.hub.newStream();
      s.create({ key: b('a') });
      for (let i = 0; i < 20; i++) await g.put('a', String(i)); // revs 2..21
      await g.batch((st) => void st.compact({ revision: 15 }));
      const got = await drainAll(g.hub, s);
      const last = got[got.length - 1];
      expect(last).toMatchObject({ watchId: 0, canceled: true, compactRevision: 15 });
      const revs = events(got).map((e) => Number(e.split('@')[1]));
      expect(revs).toEqual(revs.map((_, i) => i + 2)); // what it got has no gap
    } finally {
      await g.cleanup();
    }
  });
});

describe('fragment', () => {
  const ev = (key: string, size: number) => ({
    type: 0,
    kv: { key: b(key), value: Buffer.alloc(size), createRevision: 2, modRevision: 2, version: 1, lease: 0n },
  });

  it('leaves small responses and single events whole, splits the rest under the limit in order', () => {
    const small = [ev('a', 10), ev('b', 10)];
    expect(fragment(small, 1000)).toEqual([small]);
    expect(fragment([ev('a', 5000)], 1000)).toHaveLength(1);
    const many = Array.from({ length: 10 }, (_, i) => ev(`k${i}`, 300));
    const parts = fragment(many, 1000);
    expect(parts.flat()).toEqual(many);
    expect(parts.length).toBeGreaterThan(3);
    const resp = { header: { revision: 2 }, watchId: 1, created: false, canceled: false, compactRevision: 0, cancelReason: '', fragment: false, events: many };
    const split = fragmentResponse(resp, 1000);
    expect(split.map((r) => r.fragment)).toEqual(split.map((_, i) => i < split.length - 1));
    for (const r of split) expect(watchResponseSize(r)).toBeLessThan(1000);
  });

  it('splits a large batch for a watcher that asked for fragments', async () => {
    const g = await fixture({ maxResponseBytes: 2000 });
    try {
      const s = g.hub.newStream();
      s.create({ key: b('k'), rangeEnd: b('l'), fragment: true });
      s.create({ key: b('k'), rangeEnd: b('l') });
      drain(s);
      await g.batch((st) => {
        for (let i = 0; i < 20; i++) st.put({ key: b(`k${i}`), value: Buffer.alloc(200) });
      });
      const got = drain(s);
      const fragmented = got.filter((r) => r.watchId === 0);
      expect(fragmented.length).toBeGreaterThan(1);
      expect(fragmented.flatMap((r) => r.events)).toHaveLength(20);
      expect(fragmented.at(-1)!.fragment).toBe(false);
      expect(got.filter((r) => r.watchId === 1)).toHaveLength(1);
    } finally {
      await g.cleanup();
    }
  });
});
