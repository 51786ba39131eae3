// Exponential back-off between retries (failover rounds, reflector relists): initial, doubling, capped; reset after
// a success.

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

export class Backoff {
  private attempt = 0;

  constructor(private readonly options: BackoffOptions) {}

  /** The next delay: initial, 2 × initial, … up to max. */
  next(): number {
    const delay = Math.min(this.options.maxMs, this.options.initialMs * 2 ** this.attempt);
    if (delay < this.options.maxMs) this.attempt++;
    return delay;
  }

  reset(): void {
    this.attempt = 0;
  }
}
