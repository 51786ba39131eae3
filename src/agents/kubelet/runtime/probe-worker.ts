// One probe of one container attempt: waits initialDelaySeconds, then probes every periodSeconds and reports a
// flip once successThreshold successes or failureThreshold failures come in a row (the kubelet's defaults: 10 s
// period, 1 s timeout, 1 success, 3 failures). A probe still in flight when the next period comes is not doubled.
import type { Clock, Timer } from '../../client/clock.ts';
import type { Probe } from './types.ts';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

export interface ProbeTimings {
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
  successThreshold: number;
  failureThreshold: number;
}

export function probeTimings(probe: Probe): ProbeTimings {
  return {
    initialDelayMs: (probe.initialDelaySeconds ?? 0) * 1000,
    periodMs: (probe.periodSeconds ?? 10) * 1000,
    timeoutMs: (probe.timeoutSeconds ?? 1) * 1000,
    successThreshold: probe.successThreshold ?? 1,
    failureThreshold: probe.failureThreshold ?? 3,
  };
}

export class ProbeWorker {
  private timer: Timer | null = null;
  private stopped = false;
  private inFlight = false;
  private successes = 0;
  private failures = 0;
  /** undefined until a threshold was reached once. */
  private result: boolean | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly timings: ProbeTimings,
    private readonly attempt: (timeoutMs: number) => Promise<boolean>,
    /** Called when the result flips (or is first decided). */
    private readonly onResult: (success: boolean) => void,
  ) {
    this.schedule(timings.initialDelayMs);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimer(ms, () => {
      this.schedule(this.timings.periodMs);
      void this.runOnce();
    });
  }

  private async runOnce(): Promise<void> {
    if (this.inFlight || this.stopped) return;
    this.inFlight = true;
    let ok: boolean;
    try {
      ok = await this.attempt(this.timings.timeoutMs);
    } catch {
      ok = false;
    }
    this.inFlight = false;
    if (this.stopped) return;
    if (ok) {
      this.failures = 0;
      this.successes++;
    } else {
      this.successes = 0;
      this.failures++;
    }
    const decided = ok ? this.successes >= this.timings.successThreshold : this.failures >= this.timings.failureThreshold;
    if (decided && this.result !== ok) {
      this.result = ok;
      this.onResult(ok);
    }
  }
}
