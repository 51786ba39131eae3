import { describe, expect, it } from 'vitest';
import { snapshot, usageBetween } from './process-usage.ts';

describe('snapshot and usageBetween', () => {
  it('measures this process, and counts a restarted process from its new start', () => {
    const me = { component: 'bench', pid: process.pid };
    const [before] = snapshot([me]);
    expect(before.cpuSeconds).toBeGreaterThanOrEqual(0);
    expect(before.peakRssMiB).toBeGreaterThan(1);
    const later = { ...before, cpuSeconds: (before.cpuSeconds ?? 0) + 2 };
    expect(usageBetween([before], [later])[0].cpuSeconds).toBeCloseTo(2, 9);
    expect(usageBetween([before], [{ ...later, pid: before.pid + 1 }])[0].cpuSeconds).toBe(later.cpuSeconds);
    expect(snapshot([{ component: 'gone', pid: 2 ** 22 + 7 }])[0]).toEqual({ component: 'gone', pid: 2 ** 22 + 7, cpuSeconds: null, peakRssMiB: null });
  });
});
