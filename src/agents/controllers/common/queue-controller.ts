// The loop every reconciler shares: informer handlers add "namespace/name" keys to a rate-limited work queue;
// `workers` loops take a key, reconcile it from the caches, and on failure requeue it with per-key back-off (a
// conflict just means the cache was behind). A reconcile may ask to be revisited after a delay (minReadySeconds,
// progress deadlines, cron schedules).
import type { Logger } from '../../../common/logger.ts';
import { isConflict } from '../../client/errors.ts';
import { RateLimitingQueue } from '../../client/rate-limiting-queue.ts';
import type { Controller, ControllerContext } from './controller-context.ts';

export interface ReconcileResult {
  /** Revisit this key after the delay even though nothing changed. */
  requeueAfterMs?: number;
}

export abstract class QueueController implements Controller {
  protected readonly queue: RateLimitingQueue<string>;
  protected readonly log: Logger;
  private workers: Promise<void>[] = [];

  constructor(
    readonly name: string,
    protected readonly ctx: ControllerContext,
  ) {
    this.queue = new RateLimitingQueue<string>(ctx.clock);
    this.log = ctx.logger.child({ controller: name });
  }

  protected abstract reconcile(key: string): Promise<ReconcileResult | void>;

  enqueue(key: string): void {
    this.queue.add(key);
  }

  run(): void {
    for (let i = 0; i < Math.max(1, this.ctx.options.workers); i++) this.workers.push(this.work());
  }

  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.workers);
  }

  private async work(): Promise<void> {
    for (;;) {
      const got = await this.queue.get();
      if (got.shutdown) return;
      const key = got.item;
      try {
        const result = await this.reconcile(key);
        this.queue.forget(key);
        if (result?.requeueAfterMs !== undefined) this.queue.addAfter(key, result.requeueAfterMs);
      } catch (err) {
        const level = isConflict(err) ? 'debug' : 'warn';
        this.log[level]({ key, err: err instanceof Error ? err.message : String(err), requeues: this.queue.numRequeues(key) }, 'reconcile failed; requeued');
        this.queue.addRateLimited(key);
      } finally {
        this.queue.done(key);
      }
    }
  }
}

/** "namespace/name" → its parts. */
export function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
