// A shared informer: one reflector feeding one indexed cache, and any number of event handlers told about adds,
// updates and deletes (a relist is turned into the adds, updates and deletes that reconcile the cache with it).
// Every resync period each handler is told onUpdate(obj, obj) for every cached object, so level-based controllers
// revisit everything periodically. Handlers should only enqueue keys; they run synchronously, in order.
import type { KubeObject } from '../../apiserver/index.ts';
import type { Logger } from '../../common/logger.ts';
import { silentLogger } from '../../common/logger.ts';
import { realClock, type Clock, type Timer } from './clock.ts';
import { Indexer, objectKey, type IndexFunc } from './indexer.ts';
import { Reflector, type ListerWatcher, type ReflectorStore } from './reflector.ts';
import type { ResourceClient } from './resource-client.ts';

export interface EventHandler<T> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T): void;
}

export interface SharedInformerOptions<T> {
  clock?: Clock;
  logger?: Logger;
  name?: string;
  /** 0: no resync. */
  resyncPeriodMs?: number;
  indexers?: Readonly<Record<string, IndexFunc<T>>>;
  watchTimeoutSeconds?: number;
}

/** A ResourceClient narrowed to one namespace ("" = all) and selectors, as the reflector wants it. */
export function listerWatcher<T extends KubeObject>(client: ResourceClient<T>, namespace = '', selectors: { labelSelector?: string; fieldSelector?: string } = {}): ListerWatcher<T> {
  return {
    list: (options) => client.list(namespace, { ...selectors, ...options }),
    watch: (options, handlers) => client.watch(namespace, { ...selectors, ...options }, handlers),
  };
}

export class SharedInformer<T extends KubeObject = KubeObject> {
  readonly indexer: Indexer<T>;
  private readonly handlers: EventHandler<T>[] = [];
  private readonly reflector: Reflector<T>;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private resyncTimer: Timer | null = null;
  private stopped = false;

  constructor(
    lw: ListerWatcher<T>,
    private readonly options: SharedInformerOptions<T> = {},
  ) {
    this.clock = options.clock ?? realClock;
    this.logger = options.logger ?? silentLogger();
    this.indexer = new Indexer<T>(options.indexers);
    const store: ReflectorStore<T> = {
      replace: (items) => this.replace(items),
      added: (obj) => this.upsert(obj),
      modified: (obj) => this.upsert(obj),
      deleted: (obj) => this.remove(obj),
    };
    this.reflector = new Reflector(lw, store, { clock: this.clock, logger: this.logger, name: options.name, watchTimeoutSeconds: options.watchTimeoutSeconds });
  }

  /** Handlers added after the first sync are told about every cached object (as adds) first. */
  addEventHandler(handler: EventHandler<T>): void {
    this.handlers.push(handler);
    if (this.synced) for (const obj of this.indexer.list()) this.call(handler, 'onAdd', () => handler.onAdd?.(obj));
  }

  run(): void {
    void this.reflector.run();
    this.scheduleResync();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.resyncTimer?.cancel();
    await this.reflector.stop();
  }

  hasSynced(): boolean {
    return this.synced;
  }

  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  get lastSyncResourceVersion(): string {
    return this.reflector.lastSyncResourceVersion;
  }

  /** How many times the reflector listed (1 = never relisted). */
  get listCount(): number {
    return this.reflector.listCount;
  }

  private replace(items: T[]): void {
    const fresh = new Set<string>();
    for (const obj of items) {
      fresh.add(objectKey(obj));
      this.upsert(obj);
    }
    for (const key of this.indexer.listKeys()) {
      if (!fresh.has(key)) this.remove(this.indexer.get(key) as T);
    }
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  private upsert(obj: T): void {
    const old = this.indexer.upsert(obj);
    if (old === undefined) {
      this.notify('onAdd', (h) => h.onAdd?.(obj));
    } else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) {
      this.notify('onUpdate', (h) => h.onUpdate?.(old, obj));
    }
  }

  private remove(obj: T): void {
    const old = this.indexer.delete(objectKey(obj));
    if (old !== undefined) this.notify('onDelete', (h) => h.onDelete?.(obj));
  }

  private scheduleResync(): void {
    const period = this.options.resyncPeriodMs ?? 0;
    if (period <= 0 || this.stopped) return;
    this.resyncTimer = this.clock.setTimer(period, () => {
      if (this.synced) for (const obj of this.indexer.list()) this.notify('onUpdate', (h) => h.onUpdate?.(obj, obj));
      this.scheduleResync();
    });
  }

  private notify(what: string, fn: (h: EventHandler<T>) => void): void {
    for (const h of this.handlers) this.call(h, what, () => fn(h));
  }

  private call(_h: EventHandler<T>, what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.logger.error({ err: err instanceof Error ? err.stack : String(err), handler: what }, 'informer event handler failed');
    }
  }
}
