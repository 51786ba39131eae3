import { describe, expect, it } from 'vitest';
import { RestartBackOff, kubeletBackOff } from './back-off.ts';

describe('RestartBackOff', () => {
  it('restarts at once, then waits 10 s doubling to a 5 min cap', () => {
    const b = new RestartBackOff(kubeletBackOff);
    const delays = Array.from({ length: 8 }, () => b.next(1_000) / 1000);
    expect(delays).toEqual([0, 10, 20, 40, 80, 160, 300, 300]);
  });

  it('starts over after a clean run of 10 minutes, not after a shorter one', () => {
    const b = new RestartBackOff(kubeletBackOff);
    b.next(0);
    b.next(0);
    expect(b.next(599_999)).toBe(20_000);
    expect(b.next(600_000)).toBe(0);
    expect(b.next(0)).toBe(10_000);
  });
});
