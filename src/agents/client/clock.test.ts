import { describe, expect, it } from 'vitest';
import { ManualClock, Sleeper } from './clock.ts';

describe('ManualClock', () => {
  it('fires timers in due order, including ones set while firing, and not cancelled ones', () => {
    const clock = new ManualClock(100);
    const fired: string[] = [];
    clock.setTimer(30, () => fired.push(`b@${clock.now()}`));
    clock.setTimer(10, () => {
      fired.push(`a@${clock.now()}`);
      clock.setTimer(5, () => fired.push(`a2@${clock.now()}`));
    });
    clock.setTimer(20, () => fired.push('never')).cancel();
    clock.advance(50);
    expect(fired).toEqual(['a@110', 'a2@115', 'b@130']);
    expect(clock.now()).toBe(150);
  });

  it('a Sleeper resolves when due or when woken early', async () => {
    const clock = new ManualClock();
    const sleeper = new Sleeper(clock);
    let done = false;
    const p = sleeper.sleep(1_000).then(() => (done = true));
    clock.advance(999);
    await Promise.resolve();
    expect(done).toBe(false);
    sleeper.wake();
    await p;
    expect(clock.pendingTimers()).toBe(0);
  });
});
