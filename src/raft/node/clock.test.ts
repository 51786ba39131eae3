import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.ts';

describe('ManualClock', () => {
  it('fires due timers in time order, ties in creation order, intervals repeatedly, cancelled ones never', () => {
    const clock = new ManualClock();
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => fired.push(`a2@${clock.now()}`), 10);
    const cancel = clock.setTimeout(() => fired.push('never'), 5);
    const stopTick = clock.setInterval(() => fired.push(`tick@${clock.now()}`), 15);
    cancel();
    clock.advance(30);
    expect(fired).toEqual(['a@10', 'a2@10', 'tick@15', 'b@20', 'tick@30']);
    stopTick();
    clock.advance(100);
    expect(fired).toHaveLength(5);
    expect(clock.now()).toBe(130);
    expect(clock.pendingTimers).toBe(0);
  });

  it('runs timers set by a firing timer when they fall due within the same advance', () => {
    const clock = new ManualClock();
    const fired: number[] = [];
    clock.setTimeout(() => clock.setTimeout(() => fired.push(clock.now()), 5), 5);
    clock.advance(10);
    expect(fired).toEqual([10]);
  });
});
