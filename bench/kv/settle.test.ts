import { describe, expect, it } from 'vitest';
import { waitUntilIdle } from './settle.ts';

/** A CPU counter that advances by the given cores per window, one entry per sample after the first. */
function counter(coresPerWindow: number[], windowMs: number): () => number {
  let total = 0;
  let i = -1;
  return () => {
    if (i >= 0) total += (coresPerWindow[Math.min(i, coresPerWindow.length - 1)] * windowMs) / 1_000;
    i++;
    return total;
  };
}

describe('waitUntilIdle', () => {
  const options = { windowMs: 500, idleCores: 0.15, maxMs: 3_000 };
  const noSleep = async (): Promise<void> => {};

  it('returns after the first window below the threshold', async () => {
    const outcome = await waitUntilIdle(counter([1.8, 0.9, 0.1, 0.05], 500), options, noSleep);
    expect(outcome).toEqual({ quiet: true, waitedMs: 1_500, lastCores: expect.closeTo(0.1, 9) });
  });

  it('gives up after maxMs when the members never go quiet', async () => {
    const outcome = await waitUntilIdle(counter([1.2], 500), options, noSleep);
    expect(outcome.quiet).toBe(false);
    expect(outcome.waitedMs).toBe(3_000);
    expect(outcome.lastCores).toBeCloseTo(1.2, 9);
  });
});
