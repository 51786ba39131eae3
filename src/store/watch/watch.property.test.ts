// Catch-up correctness against the MVCC history: whatever the bounds, the consumers' reading pace and the
// interleaving of writes and creates, every watcher receives exactly the history's events in its range from its
// start revision, in order, once; and the interval index agrees with a naive scan.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rangeContains, toKeyRange, type Event } from '../mvcc/index.ts';
import { b, drain, drainAll, fixture, showEvent } from './test-helpers.ts';
import { WatchFilter, type WatchResponse } from './types.ts';
import { WatcherIndex } from './watcher-index.ts';

const KEYS = ['a', 'b', 'c', 'd', 'e'];
const RANGES: Array<[string, string | undefined]> = [
  ['a', undefined],
  ['c', undefined],
  ['b', 'd'],
  ['c', '\0'],
  ['\0', '\0'],
  ['a', 'c'],
];

type Step =
  | { batch: Array<{ put: string; value: string } | { del: string; end?: string }> }
  | { create: { stream: number; range: number; start: number; filter?: WatchFilter; prevKv: boolean } }
  | { read: { stream: number; n: number } }
  | { cancel: { stream: number; pick: number } }
  | { idle: true };

const writeArb = fc.oneof(
  { weight: 3, arbitrary: fc.record({ put: fc.constantFrom(...KEYS), value: fc.string({ maxLength: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ del: fc.constantFrom(...KEYS), end: fc.option(fc.constantFrom('c', 'f'), { nil: undefined }) }) },
);
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ batch: fc.array(writeArb, { minLength: 1, maxLength: 3 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      create: fc.record({
        stream: fc.nat(1),
        range: fc.nat(RANGES.length - 1),
        start: fc.nat(12),
        filter: fc.option(fc.constantFrom(WatchFilter.NoPut, WatchFilter.NoDelete), { nil: undefined }),
        prevKv: fc.boolean(),
      }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ read: fc.record({ stream: fc.nat(1), n: fc.nat(4) }) }) },
  { weight: 1, arbitrary: fc.record({ cancel: fc.record({ stream: fc.nat(1), pick: fc.nat(10) }) }) },
  { weight: 2, arbitrary: fc.constant({ idle: true as const }) },
);

interface Expect {
  range: ReturnType<typeof toKeyRange>;
  start: number;
  filter?: WatchFilter;
  prevKv: boolean;
  canceled: boolean;
}

describe('watch catch-up (property)', () => {
  it('delivers exactly the history, in order, once, for every watcher', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(stepArb, { minLength: 15, maxLength: 50 }),
        fc.record({ maxQueuedEvents: fc.integer({ min: 1, max: 5 }), catchUpChunkEvents: fc.integer({ min: 1, max: 4 }), maxWatchersPerSync: fc.integer({ min: 1, max: 3 }) }),
        // Latest values all in memory, or none: then every prev_kv is read back from disk.
        fc.constantFrom(undefined, 0),
        async (steps, bounds, residentValueBytes) => {
          const f = await fixture(bounds, { residentValueBytes });
          try {
            const history: Event[] = [];
            const withPrev = (e: Event): Event => (e.prevKv === undefined ? e : { ...e, prevKv: f.store.readBack(e.prevKv) });
            f.store.onCommitted((c) => history.push(...c.events.map(withPrev)));
            const streams = [f.hub.newStream(), f.hub.newStream()];
            const got: WatchResponse[][] = [[], []];
            const expects: Array<Map<number, Expect>> = [new Map(), new Map()];
            const pendingCreates: Array<Expect[]> = [[], []];
            const collect = (i: number, resps: WatchResponse[]) => {
              for (const r of resps) {
                if (r.created && !r.canceled) expects[i].set(r.watchId, pendingCreates[i].shift()!);
                got[i].push(r);
              }
            };
            for (const step of steps) {
              if ('batch' in step) {
                await f.batch((s) => {
                  for (const w of step.batch) {
                    if ('put' in w) s.put({ key: b(w.put), value: b(w.value) });
                    else s.deleteRange({ key: b(w.del), rangeEnd: w.end === undefined ? undefined : b(w.end) });
                  }
                });
              } else if ('create' in step) {
                const c = step.create;
                const [key, end] = RANGES[c.range];
                const start = c.start === 0 ? f.hub.revision + 1 : c.start;
                pendingCreates[c.stream].push({
                  range: toKeyRange(key === '\0' ? Buffer.from([0]) : b(key), end === undefined ? undefined : b(end)),
                  start,
                  filter: c.filter,
                  prevKv: c.prevKv,
                  canceled: false,
                });
                streams[c.stream].create({
                  key: b(key),
                  rangeEnd: end === undefined ? undefined : b(end),
                  startRevision: c.start,
                  filters: c.filter === undefined ? [] : [c.filter],
                  prevKv: c.prevKv,
                });
                // The created response is read at once so its ID is known (creates answer in order).
                collect(c.stream, drain(streams[c.stream]));
              } else if ('read' in step) {
                const s = streams[step.read.stream];
                const out: WatchResponse[] = [];
                for (let k = 0; k < step.read.n; k++) {
                  const r = s.read();
                  if (r === undefined) break;
                  out.push(r);
                }
                collect(step.read.stream, out);
              } else if ('cancel' in step) {
                const ids = [...expects[step.cancel.stream].keys()];
                if (ids.length === 0) continue;
                const id = ids[step.cancel.pick % ids.length];
                expects[step.cancel.stream].get(id)!.canceled = true;
                streams[step.cancel.stream].cancel(id);
              } else {
                await f.hub.idle();
              }
            }
            for (let i = 0; i < 2; i++) collect(i, await drainAll(f.hub, streams[i]));

            for (let i = 0; i < 2; i++) {
              for (const [id, e] of expects[i]) {
                const resps = got[i].filter((r) => r.watchId === id && !r.created && !r.canceled);
                const received = resps.flatMap((r) => r.events);
                // Header revisions never go back and cover their events.
                for (let k = 1; k < resps.length; k++) expect(resps[k].header.revision).toBeGreaterThanOrEqual(resps[k - 1].header.revision);
                for (const r of resps) for (const ev of r.events) expect(ev.kv.modRevision).toBeLessThanOrEqual(r.header.revision);
                const wanted = history.filter(
                  (ev) =>
                    ev.kv.modRevision >= e.start &&
                    rangeContains(e.range, ev.kv.key) &&
                    !(e.filter === WatchFilter.NoPut && ev.type === 0) &&
                    !(e.filter === WatchFilter.NoDelete && ev.type === 1),
                );
                const show = (ev: Event) => `${showEvent(ev)}${e.prevKv && ev.prevKv ? ` prev=${ev.prevKv.value}@${ev.prevKv.modRevision}` : ''}`;
                if (e.canceled) {
                  // A canceled watcher got a prefix of its history.
                  expect(received.map(show)).toEqual(wanted.slice(0, received.length).map(show));
                } else {
                  expect(received.map(show)).toEqual(wanted.map(show));
                  if (!e.prevKv) for (const ev of received) expect(ev.prevKv).toBeUndefined();
                }
              }
            }
            expect(f.hub.unsyncedCount).toBe(0);
          } finally {
            await f.cleanup();
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('the watcher index finds the same watchers as a naive scan, through adds, removals and re-adds', () => {
    const keyArb = fc.uint8Array({ minLength: 0, maxLength: 3 }).map((a) => Buffer.from(a));
    const rangeArb = fc.tuple(keyArb, fc.oneof(fc.constant<Buffer | undefined>(undefined), fc.constant(Buffer.from([0])), keyArb));
    const opArb = fc.oneof(
      { weight: 3, arbitrary: fc.record({ add: fc.nat(7), range: rangeArb }) },
      { weight: 2, arbitrary: fc.record({ remove: fc.nat(7) }) },
      { weight: 3, arbitrary: fc.record({ probe: keyArb }) },
    );
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 60, maxLength: 200 }), fc.nat(3), (ops, slack) => {
        const index = new WatcherIndex<number>(slack);
        const live = new Map<number, ReturnType<typeof toKeyRange>>();
        for (const op of ops) {
          if ('add' in op) {
            const r = toKeyRange(op.range[0], op.range[1]);
            if ((r.end && Buffer.compare(r.key, r.end) >= 0) || live.has(op.add)) continue;
            index.add(r, op.add);
            live.set(op.add, r);
          } else if ('remove' in op) {
            const r = live.get(op.remove);
            if (r === undefined) continue;
            index.delete(r, op.remove);
            live.delete(op.remove);
          } else {
            const found: number[] = [];
            index.forEachMatch(op.probe, (i) => found.push(i));
            const naive = [...live].filter(([, r]) => rangeContains(r, op.probe)).map(([i]) => i);
            expect(found.sort((x, y) => x - y)).toEqual(naive.sort((x, y) => x - y));
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
