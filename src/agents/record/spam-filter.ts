// Keeps one chatty object from flooding the event store, as client-go's EventSourceObjectSpamFilter: a token bucket
// per (source, involved object) — a burst of 25, then one event per 5 minutes. Buckets are forgotten LRU-style.
import type { Clock } from '../client/index.ts';

export interface SpamFilterOptions {
  burst?: number;
  /** Tokens per second. */
  qps?: number;
  /** Buckets kept before the least recently used is forgotten. */
  bucketsMax?: number;
}

const DEFAULT_BURST = 25;
const DEFAULT_QPS = 1 / 300;
const DEFAULT_BUCKETS_MAX = 4096;

interface Bucket {
  tokens: number;
  lastMs: number;
}

export class SpamFilter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly burst: number;
  private readonly qps: number;
  private readonly bucketsMax: number;

  constructor(
    private readonly clock: Clock,
    options: SpamFilterOptions = {},
  ) {
    this.burst = options.burst ?? DEFAULT_BURST;
    this.qps = options.qps ?? DEFAULT_QPS;
    this.bucketsMax = options.bucketsMax ?? DEFAULT_BUCKETS_MAX;
  }

  /** True when an event for `key` may be written now (takes a token). */
  allow(key: string): boolean {
    const now = this.clock.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, lastMs: now };
    this.buckets.delete(key);
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.lastMs) / 1000) * this.qps);
    bucket.lastMs = now;
    this.buckets.set(key, bucket);
    if (this.buckets.size > this.bucketsMax) this.buckets.delete(this.buckets.keys().next().value as string);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
