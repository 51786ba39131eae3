// The work queue with delays (addAfter, on the injected clock; an item waiting twice keeps the earlier time) and rate
// limiting (addRateLimited waits as the rate limiter says; forget() when the item succeeded), as client-go's
// RateLimitingInterface.
import type { Clock, Timer } from './clock.ts';
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiters.ts';
import { WorkQueue } from './work-queue.ts';

export class RateLimitingQueue<T> extends WorkQueue<T> {
  private readonly waiting = new Map<T, { due: number; timer: Timer }>();
  readonly rateLimiter: RateLimiter<T>;

  constructor(
    private readonly clock: Clock,
    rateLimiter?: RateLimiter<T>,
  ) {
    super();
    this.rateLimiter = rateLimiter ?? defaultControllerRateLimiter<T>(clock);
  }

  addAfter(item: T, delayMs: number): void {
    if (this.isShuttingDown) return;
    if (delayMs <= 0) {
      this.add(item);
      return;
    }
    const due = this.clock.now() + delayMs;
    const existing = this.waiting.get(item);
    if (existing !== undefined && existing.due <= due) return;
    existing?.timer.cancel();
    const timer = this.clock.setTimer(delayMs, () => {
      this.waiting.delete(item);
      this.add(item);
    });
    this.waiting.set(item, { due, timer });
  }

  addRateLimited(item: T): void {
    this.addAfter(item, this.rateLimiter.when(item));
  }

  forget(item: T): void {
    this.rateLimiter.forget(item);
  }

  numRequeues(item: T): number {
    return this.rateLimiter.numRequeues(item);
  }

  /** Items waiting for their delay to pass. */
  waitingCount(): number {
    return this.waiting.size;
  }

  override shutDown(): void {
    for (const w of this.waiting.values()) w.timer.cancel();
    this.waiting.clear();
    super.shutDown();
  }
}
