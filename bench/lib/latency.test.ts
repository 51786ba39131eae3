import { describe, expect, it } from 'vitest';
import { cdfPoints, LatencyRecorder, percentile, summarize } from './latency.ts';

describe('latency', () => {
  it('takes nearest-rank percentiles', () => {
    const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 90)).toBe(90);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile(sorted, 0)).toBe(1);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('summarizes sorted samples', () => {
    const s = summarize([1, 2, 3, 4, 10]);
    expect(s).toEqual({ count: 5, meanMs: 4, p50Ms: 3, p90Ms: 10, p99Ms: 10, maxMs: 10 });
    expect(summarize([]).count).toBe(0);
  });

  it('records past its initial capacity and sorts numerically', () => {
    const r = new LatencyRecorder();
    for (let i = 10_000; i > 0; i--) r.record(i / 10);
    const sorted = r.sorted();
    expect(r.count).toBe(10_000);
    expect(sorted[0]).toBe(0.1);
    expect(sorted[9_999]).toBe(1000);
    expect(sorted[1]).toBeGreaterThan(sorted[0]);
  });

  it('draws a bounded, monotone CDF ending at the maximum', () => {
    const sorted = Float64Array.from({ length: 50_000 }, (_, i) => Math.sqrt(i));
    const cdf = cdfPoints(sorted, 100);
    expect(cdf.length).toBeLessThanOrEqual(102);
    expect(cdf[0].latencyMs).toBe(0);
    expect(cdf.at(-1)).toEqual({ latencyMs: sorted[49_999], fraction: 1 });
    for (let i = 1; i < cdf.length; i++) {
      expect(cdf[i].latencyMs).toBeGreaterThanOrEqual(cdf[i - 1].latencyMs);
      expect(cdf[i].fraction).toBeGreaterThan(cdf[i - 1].fraction);
    }
    expect(cdfPoints([])).toEqual([]);
  });
});
