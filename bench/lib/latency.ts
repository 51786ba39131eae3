// Latency samples and their summary. Every sample is kept (a Float64Array that doubles as it fills: 8 bytes a
// request, so 10 s at 50,000 req/s is 4 MB), which makes every percentile exact instead of bucketed.
export interface LatencySummary {
  count: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface CdfPoint {
  latencyMs: number;
  /** Fraction of samples at or below latencyMs, 0..1. */
  fraction: number;
}

const INITIAL_CAPACITY = 4096;

export class LatencyRecorder {
  private samples = new Float64Array(INITIAL_CAPACITY);
  private length = 0;

  record(latencyMs: number): void {
    if (this.length === this.samples.length) {
      const grown = new Float64Array(this.samples.length * 2);
      grown.set(this.samples);
      this.samples = grown;
    }
    this.samples[this.length++] = latencyMs;
  }

  get count(): number {
    return this.length;
  }

  /** A sorted copy of the samples. */
  sorted(): Float64Array {
    return this.samples.slice(0, this.length).sort();
  }
}

/** Nearest-rank percentile of sorted samples (p in 0..100); NaN for no samples. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  if (p <= 0) return sorted[0];
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, rank) - 1];
}

export function summarize(sorted: ArrayLike<number>): LatencySummary {
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) sum += sorted[i];
  return {
    count: sorted.length,
    meanMs: sorted.length === 0 ? Number.NaN : sum / sorted.length,
    p50Ms: percentile(sorted, 50),
    p90Ms: percentile(sorted, 90),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.length === 0 ? Number.NaN : sorted[sorted.length - 1],
  };
}

/**
 * At most `points` points of the empirical CDF, denser in the tail (fractions 1 - 10^-k spacing), always including
 * the minimum and the maximum: enough to draw a CDF without keeping every sample in the results.
 */
export function cdfPoints(sorted: ArrayLike<number>, points = 200): CdfPoint[] {
  const n = sorted.length;
  if (n === 0) return [];
  const out: CdfPoint[] = [];
  const half = Math.max(2, Math.floor(points / 2));
  const indices = new Set<number>([0, n - 1]);
  for (let i = 0; i < half; i++) indices.add(Math.floor((i / half) * (n - 1))); // linear in rank
  for (let i = 0; i < half; i++) {
    const fraction = 1 - Math.pow(10, -3 * (i / half)) ; // 0 .. 0.999, denser towards the tail
    indices.add(Math.min(n - 1, Math.floor(fraction * n)));
  }
  for (const i of [...indices].sort((a, b) => a - b)) out.push({ latencyMs: sorted[i], fraction: (i + 1) / n });
  return out;
}
