// One worker per pod key, as the kubelet's podWorkers: a key is never synced twice at once; a change that arrives
// while it syncs marks it dirty and it syncs once more afterwards (changes collapse). A failed sync is retried
// after a delay that doubles up to a bound.
import type { Clock, Timer } from '../client/index.ts';
import type { Logger } from '../../common/logger.ts';

export interface PodWorkersOptions {
  clock: Clock;
  logger: Logger;
  sync(key: string): Promise<void>;
  retryInitialMs?: number;
  retryMaxMs?: number;
}

export class PodWorkers {
  private readonly busy = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly retries = new Map<string, { timer: Timer; delayMs: number }>();
  private readonly failures = new Map<string, number>();
  private readonly running = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly options: PodWorkersOptions) {}

  enqueue(key: string): void {
    if (this.stopped) return;
    if (this.busy.has(key)) {
      this.dirty.add(key);
      return;
    }
    this.retries.get(key)?.timer.cancel();
    this.retries.delete(key);
    this.busy.add(key);
    const run = this.run(key);
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }

  /** Asks for another sync after `ms` (a pod waiting on a configMap, a pod in back-off). */
  retryAfter(key: string, ms: number): void {
    if (this.stopped || this.retries.has(key)) return;
    this.retries.set(key, { delayMs: ms, timer: this.options.clock.setTimer(ms, () => (this.retries.delete(key), this.enqueue(key))) });
  }

  /** Cancels retries and waits for the syncs under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const r of this.retries.values()) r.timer.cancel();
    this.retries.clear();
    await Promise.all([...this.running]);
  }

  private async run(key: string): Promise<void> {
    try {
      do {
        this.dirty.delete(key);
        try {
          await this.options.sync(key);
          this.failures.delete(key);
        } catch (err) {
          const n = (this.failures.get(key) ?? 0) + 1;
          this.failures.set(key, n);
          const delay = Math.min((this.options.retryInitialMs ?? 500) * 2 ** (n - 1), this.options.retryMaxMs ?? 10_000);
          this.options.logger.warn({ pod: key, err: err instanceof Error ? err.message : String(err), retryInMs: delay }, 'pod sync failed');
          this.busy.delete(key);
          this.retryAfter(key, delay);
          return;
        }
      } while (this.dirty.has(key) && !this.stopped);
    } finally {
      this.busy.delete(key);
    }
  }
}
