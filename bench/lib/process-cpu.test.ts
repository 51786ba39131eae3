import { describe, expect, it } from 'vitest';
import { parseCpuSeconds, treeCpuSeconds } from './process-cpu.ts';

describe('parseCpuSeconds', () => {
  it('reads utime + stime past a command name with spaces and parentheses', () => {
    const stat = '4242 (node (worker) x) S 1 4242 4242 0 -1 4194560 5000 0 0 0 250 75 0 0 20 0 11 0 100 1000 100';
    expect(parseCpuSeconds(stat)).toBeCloseTo(3.25, 9);
  });

  it('answers null for text that is not a stat line', () => {
    expect(parseCpuSeconds('garbage')).toBeNull();
  });
});

describe('treeCpuSeconds', () => {
  it('reads this process, and null for a pid that does not exist', () => {
    expect(treeCpuSeconds(process.pid)).toBeGreaterThanOrEqual(0);
    expect(treeCpuSeconds(2 ** 22 + 1)).toBeNull();
  });
});
