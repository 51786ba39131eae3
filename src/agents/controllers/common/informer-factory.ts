// One shared informer per resource per process, as client-go's SharedInformerFactory: every controller asking for
// pods gets the same cache, so the controller-manager lists and watches each resource once.
import type { KubeObject } from '../../../apiserver/index.ts';
import type { Logger } from '../../../common/logger.ts';
import type { ApiClient } from '../../client/api-client.ts';
import type { Clock } from '../../client/clock.ts';
import type { ResourceRef } from '../../client/resource-client.ts';
import { listerWatcher, SharedInformer } from '../../client/shared-informer.ts';

export class InformerFactory {
  private readonly informers = new Map<string, SharedInformer>();
  private readonly started = new Set<string>();

  constructor(
    private readonly api: ApiClient,
    private readonly options: { clock: Clock; logger: Logger; resyncPeriodMs: number },
  ) {}

  informer<T extends KubeObject = KubeObject>(ref: ResourceRef): SharedInformer<T> {
    const key = `${ref.group}/${ref.version}/${ref.resource}`;
    let informer = this.informers.get(key);
    if (informer === undefined) {
      informer = new SharedInformer(listerWatcher(this.api.resource<KubeObject>(ref)), {
        clock: this.options.clock,
        logger: this.options.logger,
        name: ref.resource,
        resyncPeriodMs: this.options.resyncPeriodMs,
      });
      this.informers.set(key, informer);
    }
    return informer as unknown as SharedInformer<T>;
  }

  /** Starts every informer asked for so far that is not running yet. */
  start(): void {
    for (const [key, informer] of this.informers) {
      if (this.started.has(key)) continue;
      this.started.add(key);
      informer.run();
    }
  }

  async waitForSync(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync()));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }
}
