import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WorkQueue } from './work-queue.ts';

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('WorkQueue', () => {
  it('collapses duplicates and keeps FIFO order', async () => {
    const q = new WorkQueue<string>();
    for (const k of ['a', 'b', 'a', 'c', 'b']) q.add(k);
    expect(q.len()).toBe(3);
    const got = [(await q.get()).item, (await q.get()).item, (await q.get()).item];
    expect(got).toEqual(['a', 'b', 'c']);
  });

  it('re-queues an item added while it is processed only when done() is called', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    const first = await q.get();
    q.add('a');
    expect(q.len()).toBe(0); // not handed to a second worker
    q.done('a');
    expect(q.len()).toBe(1);
    expect((await q.get()).item).toBe(first.item);
  });

  it('wakes a waiting worker, and ends workers on shutdown after draining', async () => {
    const q = new WorkQueue<string>();
    const waiting = q.get();
    q.add('x');
    expect((await waiting).item).toBe('x');
    q.add('y');
    q.shutDown();
    q.add('z'); // refused after shutdown
    expect(await q.get()).toEqual({ item: 'y', shutdown: false });
    expect(await q.get()).toEqual({ item: undefined, shutdown: true });
  });

  it('shutDownWithDrain waits for items in processing', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    await q.get();
    let drained = false;
    const drain = q.shutDownWithDrain().then(() => (drained = true));
    await flush();
    expect(drained).toBe(false);
    q.done('a');
    await drain;
    expect(drained).toBe(true);
  });

  // Real async workers that take a random number of turns per item while adds keep arriving: no key is ever held
  // by two workers, and every add is followed by a processing of that key that started after it.
  it('concurrent workers never overlap on a key and see every add (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 20 }),
        async (adds, workTurns) => {
          const q = new WorkQueue<string>();
          const active = new Set<string>();
          const lastAdd = new Map<string, number>();
          const lastStart = new Map<string, number>();
          let tick = 0;
          let turn = 0;
          const worker = async (): Promise<void> => {
            for (;;) {
              const { item, shutdown } = await q.get();
              if (shutdown) return;
              expect(active.has(item)).toBe(false);
              active.add(item);
              lastStart.set(item, ++tick);
              for (let i = workTurns[turn++ % workTurns.length]; i > 0; i--) await Promise.resolve();
              active.delete(item);
              q.done(item);
            }
          };
          const workers = [worker(), worker(), worker()];
          for (const [key, pause] of adds) {
            q.add(key);
            lastAdd.set(key, ++tick);
            for (let i = 0; i < pause; i++) await Promise.resolve();
          }
          await q.shutDownWithDrain();
          expect(q.len()).toBe(0);
          await Promise.all(workers);
          for (const [key, at] of lastAdd) expect(lastStart.get(key)).toBeGreaterThan(at);
        },
      ),
      { numRuns: 200 },
    );
  });

  // Random interleavings of adds and worker steps: a key is never held by two workers at once, and every key added
  // is processed after its last add (nothing is lost), with no key processed while queued twice.
  it('never hands one key to two workers and loses no add (property)', async () => {
    const step = fc.oneof(
      fc.record({ op: fc.constant('add' as const), key: fc.constantFrom('a', 'b', 'c', 'd') }),
      fc.record({ op: fc.constant('take' as const), worker: fc.integer({ min: 0, max: 3 }) }),
      fc.record({ op: fc.constant('finish' as const), worker: fc.integer({ min: 0, max: 3 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 60 }), async (steps) => {
        const q = new WorkQueue<string>();
        const held: (string | null)[] = [null, null, null, null];
        const pendingSinceAdd = new Set<string>(); // added and not yet taken by a worker since
        for (const s of steps) {
          if (s.op === 'add') {
            q.add(s.key);
            pendingSinceAdd.add(s.key);
          } else if (s.op === 'take') {
            if (held[s.worker] !== null || q.len() === 0) continue;
            const { item } = await q.get();
            const key = item as string;
            expect(held).not.toContain(key);
            held[s.worker] = key;
            pendingSinceAdd.delete(key);
          } else {
            const key = held[s.worker];
            if (key === null) continue;
            held[s.worker] = null;
            q.done(key);
          }
        }
        // Drain: finish everything held, then take and finish until empty; every pending key must show up.
        for (let w = 0; w < held.length; w++) if (held[w] !== null) q.done(held[w] as string);
        const seen = new Set<string>();
        while (q.len() > 0) {
          const { item } = await q.get();
          expect(seen.has(item as string)).toBe(false);
          seen.add(item as string);
          q.done(item as string);
        }
        for (const k of pendingSinceAdd) expect(seen.has(k)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
