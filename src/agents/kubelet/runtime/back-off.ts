// CrashLoopBackOff as the kubelet computes it: the first restart is immediate, each further one waits twice as
// long as the last (10 s, 20 s, … capped at 5 min), and a container that ran cleanly for 10 min starts over.
// Pure arithmetic; the supervisor owns the clock.

export interface BackOffPolicy {
  initialMs: number;
  maxMs: number;
  /** A run at least this long resets the back-off. */
  resetAfterMs: number;
}

export const kubeletBackOff: BackOffPolicy = { initialMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 };

export class RestartBackOff {
  private currentMs = 0;

  constructor(private readonly policy: BackOffPolicy) {}

  /** The delay before the next start of a container that just exited after running `ranMs`. */
  next(ranMs: number): number {
    if (ranMs >= this.policy.resetAfterMs) this.currentMs = 0;
    const delay = this.currentMs;
    this.currentMs = delay === 0 ? this.policy.initialMs : Math.min(delay * 2, this.policy.maxMs);
    return delay;
  }
}
