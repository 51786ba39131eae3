import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.ts';
import { BucketRateLimiter, defaultControllerRateLimiter, ItemExponentialFailureRateLimiter } from './rate-limiters.ts';
import { RateLimitingQueue } from './rate-limiting-queue.ts';

describe('rate limiters', () => {
  it('per-item back-off doubles from 5 ms and is capped at 1000 s; forget starts over', () => {
    const l = new ItemExponentialFailureRateLimiter<string>();
    const delays = Array.from({ length: 30 }, () => l.when('a'));
    expect(delays.slice(0, 5)).toEqual([5, 10, 20, 40, 80]);
    expect(Math.max(...delays)).toBe(1_000_000);
    expect(delays.at(-1)).toBe(1_000_000);
    expect(l.numRequeues('a')).toBe(30);
    expect(l.when('b')).toBe(5); // per item
    l.forget('a');
    expect(l.numRequeues('a')).toBe(0);
    expect(l.when('a')).toBe(5);
  });

  it('the bucket gives a burst of 100 at once, then 10 per second', () => {
    const clock = new ManualClock(1_000);
    const l = new BucketRateLimiter<string>(clock, 10, 100);
    for (let i = 0; i < 100; i++) expect(l.when(`k${i}`)).toBe(0);
    expect(l.when('x')).toBe(100);
    expect(l.when('y')).toBe(200);
    clock.advance(1_000); // refills 10 tokens, 2 of which were already reserved
    expect(l.when('z')).toBe(0);
  });

  it('never lets more than burst + qps × elapsed items through (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 400 }), (gaps) => {
        const clock = new ManualClock(0);
        const l = new BucketRateLimiter<number>(clock, 10, 100);
        const readyTimes = gaps.map((gap, i) => {
          clock.advance(gap);
          return clock.now() + l.when(i);
        });
        // Items become ready no faster than the bucket allows over any window starting at 0.
        const sorted = [...readyTimes].sort((a, b) => a - b);
        sorted.forEach((t, i) => expect(i + 1).toBeLessThanOrEqual(100 + Math.floor((t * 10) / 1000) + 1));
      }),
    );
  });

  it('the default controller limiter is the max of both', () => {
    const clock = new ManualClock(0);
    const l = defaultControllerRateLimiter<string>(clock);
    expect(l.when('a')).toBe(5);
    expect(l.when('a')).toBe(10);
    for (let i = 0; i < 98; i++) l.when(`k${i}`);
    expect(l.when('b')).toBe(100); // the bucket is empty: 100 ms beats b's 5 ms
  });
});

describe('RateLimitingQueue', () => {
  it('adds an item when its delay has passed, keeping the earlier of two waits', async () => {
    const clock = new ManualClock(0);
    const q = new RateLimitingQueue<string>(clock);
    q.addAfter('a', 1_000);
    q.addAfter('a', 300);
    q.addAfter('a', 5_000);
    expect(q.waitingCount()).toBe(1);
    clock.advance(299);
    expect(q.len()).toBe(0);
    clock.advance(1);
    expect(q.len()).toBe(1);
    clock.advance(10_000);
    expect(q.len()).toBe(1); // the cancelled 1 s wait did not add it again
    expect((await q.get()).item).toBe('a');
  });

  it('addRateLimited backs off per item until forget', () => {
    const clock = new ManualClock(0);
    const q = new RateLimitingQueue<string>(clock);
    q.addRateLimited('a');
    clock.advance(4);
    expect(q.len()).toBe(0);
    clock.advance(1);
    expect(q.len()).toBe(1);
    expect(q.numRequeues('a')).toBe(1);
    q.forget('a');
    expect(q.numRequeues('a')).toBe(0);
  });

  it('shutdown cancels waiting items', async () => {
    const clock = new ManualClock(0);
    const q = new RateLimitingQueue<string>(clock);
    q.addAfter('a', 10);
    q.shutDown();
    expect(clock.pendingTimers()).toBe(0);
    clock.advance(100);
    expect(await q.get()).toEqual({ item: undefined, shutdown: true });
  });
});
