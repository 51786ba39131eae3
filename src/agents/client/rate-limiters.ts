// How long an item waits before it is retried, as client-go's workqueue rate limiters: per-item exponential failure
// back-off, a global token bucket, and the max of several (the default controller rate limiter).
import type { Clock } from './clock.ts';

export interface RateLimiter<T> {
  /** The delay before `item` may be processed again; counts as one more failure for per-item limiters. */
  when(item: T): number;
  /** The item succeeded: its failure count starts over. */
  forget(item: T): void;
  numRequeues(item: T): number;
}

/** base × 2^failures, capped (client-go's default: 5 ms → 1000 s). */
export class ItemExponentialFailureRateLimiter<T> implements RateLimiter<T> {
  private readonly failures = new Map<T, number>();

  constructor(
    private readonly baseDelayMs = 5,
    private readonly maxDelayMs = 1_000_000,
  ) {}

  when(item: T): number {
    const exp = this.failures.get(item) ?? 0;
    this.failures.set(item, exp + 1);
    // 2^exp overflows to Infinity long after the cap is reached; min() keeps the cap.
    return Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** exp);
  }

  forget(item: T): void {
    this.failures.delete(item);
  }

  numRequeues(item: T): number {
    return this.failures.get(item) ?? 0;
  }
}

/**
 * A token bucket over all items (client-go's default: 10 qps, burst 100). Each call reserves a token: with one in
 * the bucket the delay is 0, otherwise the time until the bucket will have refilled to cover the reservation.
 */
export class BucketRateLimiter<T> implements RateLimiter<T> {
  private tokens: number;
  private last: number;

  constructor(
    private readonly clock: Clock,
    private readonly qps = 10,
    private readonly burst = 100,
  ) {
    this.tokens = burst;
    this.last = clock.now();
  }

  when(_item: T): number {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.qps) / 1000);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens * 1000) / this.qps;
  }

  forget(_item: T): void {}

  numRequeues(_item: T): number {
    return 0;
  }
}

export class MaxOfRateLimiter<T> implements RateLimiter<T> {
  private readonly limiters: RateLimiter<T>[];

  constructor(...limiters: RateLimiter<T>[]) {
    this.limiters = limiters;
  }

  when(item: T): number {
    return Math.max(0, ...this.limiters.map((l) => l.when(item)));
  }

  forget(item: T): void {
    for (const l of this.limiters) l.forget(item);
  }

  numRequeues(item: T): number {
    return Math.max(0, ...this.limiters.map((l) => l.numRequeues(item)));
  }
}

/** client-go's DefaultControllerRateLimiter: max(per-item 5 ms → 1000 s, bucket 10 qps / 100 burst). */
export function defaultControllerRateLimiter<T>(clock: Clock): RateLimiter<T> {
  return new MaxOfRateLimiter<T>(new ItemExponentialFailureRateLimiter<T>(5, 1_000_000), new BucketRateLimiter<T>(clock, 10, 100));
}
