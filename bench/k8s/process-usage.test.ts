import { describe, expect, it } from 'vitest';
import { parseCpuSeconds, snapshot, usageBetween } from './process-usage.ts';

describe('parseCpuSeconds', () => {
  it('reads utime + stime past a command name with spaces and parentheses', () => {
    const stat = '4242 (node (worker) x) S 1 4242 4242 0 -1 4194560 5000 0 0 0 250 75 0 0 20 0 11 0 100 1000 100';
    expect(parseCpuSeconds(stat)).toBeCloseTo(3.25, 9);
  });

  it('answers null for text that is not a stat line', () => {
    expect(parseCpuSeconds('garbage')).toBeNull();
  });
});

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
