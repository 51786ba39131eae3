// When to restart a crashed component: 1 s, doubling to 30 s; a run that stayed up for 60 s resets the delay, so a
// component that crashes once a day restarts at once while a crash loop backs off. Pure: the caller passes the time.
export const INITIAL_RESTART_DELAY_MS = 1_000;
export const MAX_RESTART_DELAY_MS = 30_000;
export const HEALTHY_RESET_MS = 60_000;

export class RestartBackoff {
  private delayMs = INITIAL_RESTART_DELAY_MS;
  private startedAtMs = 0;

  constructor(
    private readonly initialMs = INITIAL_RESTART_DELAY_MS,
    private readonly maxMs = MAX_RESTART_DELAY_MS,
    private readonly resetAfterMs = HEALTHY_RESET_MS,
  ) {
    this.delayMs = initialMs;
  }

  /** The process was (re)started at `nowMs`. */
  started(nowMs: number): void {
    this.startedAtMs = nowMs;
  }

  /** The process exited at `nowMs`: how long to wait before starting it again. */
  exited(nowMs: number): number {
    if (nowMs - this.startedAtMs >= this.resetAfterMs) this.delayMs = this.initialMs;
    const delay = this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, this.maxMs);
    return delay;
  }
}
