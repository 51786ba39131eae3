import { describe, expect, it } from 'vitest';
import { RestartBackoff } from './backoff.ts';

describe('RestartBackoff', () => {
  it('doubles from 1 s to a 30 s ceiling while the component keeps crashing', () => {
    const b = new RestartBackoff();
    let now = 0;
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      b.started(now);
      now += 500; // crashes half a second after each start
      const d = b.exited(now);
      delays.push(d);
      now += d;
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('starts again from 1 s after a run that stayed up for 60 s', () => {
    const b = new RestartBackoff();
    b.started(0);
    expect(b.exited(100)).toBe(1000);
    b.started(1100);
    expect(b.exited(1200)).toBe(2000);
    b.started(3200);
    expect(b.exited(3200 + 59_999)).toBe(4000); // not quite a minute: still backing off
    b.started(70_000);
    expect(b.exited(70_000 + 60_000)).toBe(1000);
    b.started(131_000);
    expect(b.exited(131_500)).toBe(2000);
  });
});
