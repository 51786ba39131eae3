import { describe, expect, it } from 'vitest';
import { parseCheckPerf } from './workloads/check-perf.ts';

describe('parseCheckPerf', () => {
  it('reads a passing run (output recorded from etcdctl 3.4.23 --load=s)', () => {
    const out =
      ' 59 / 60   98.33%\r 60 / 60  100.00% 1m0s\nPASS: Throughput is 149 writes/s\nPASS: Slowest request took 0.245555s\nPASS: Stddev is 0.014980s\nPASS\n';
    expect(parseCheckPerf(out)).toEqual({
      passed: true,
      writesPerSecond: 149,
      slowestSeconds: 0.245555,
      stddevSeconds: 0.01498,
      verdicts: ['PASS: Throughput is 149 writes/s', 'PASS: Slowest request took 0.245555s', 'PASS: Stddev is 0.014980s'],
    });
  });

  it('reads a failing run', () => {
    const out = 'FAIL: Throughput too low: 2601 writes/s\nFAIL: Slowest request took too long: 1.204000s\nFAIL: Stddev too high: 0.150000s\nFAIL\n';
    const report = parseCheckPerf(out);
    expect(report).toMatchObject({ passed: false, writesPerSecond: 2601, slowestSeconds: 1.204, stddevSeconds: 0.15 });
  });

  it('reports nothing it cannot see', () => {
    const report = parseCheckPerf('Error: context deadline exceeded\n');
    expect(report.passed).toBe(false);
    expect(report.writesPerSecond).toBeNaN();
    expect(report.verdicts).toEqual([]);
  });
});
