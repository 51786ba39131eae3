// One store watch per resource feeding an in-memory cache: the current objects (by key) and a ring of the most recent
// events. It serves watches (from any resourceVersion still in the ring) and lists at "any" resourceVersion. When the
// store watch fails (compaction, lost endpoint) the cache closes its watchers — clients rewatch, as they would with
// kube-apiserver — and relists.
import type { Logger } from '../../common/logger.ts';
import type { ObjectStore, StoredEvent } from '../storage/index.ts';
import type { KubeObject } from '../types.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface CacheEvent {
  type: WatchEventType;
  key: string;
  object: KubeObject;
  prevObject: KubeObject | null;
  revision: number;
}

export interface WatchSink {
  event(type: WatchEventType, object: KubeObject): void;
  bookmark(revision: number): void;
  /** The cache ended this watch (relist, shutdown); the client is expected to watch again. */
  closed(): void;
}

export interface WatchRequest {
  /** null: start with an ADDED event for every current object (resourceVersion unset or "0"). */
  fromRevision: number | null;
  filter: (obj: KubeObject) => boolean;
  bookmarks: boolean;
}

export interface CacheWatch {
  stop(): void;
}

export class TooOldResourceVersionError extends Error {
  constructor(
    readonly requested: number,
    readonly oldest: number,
  ) {
    super(`too old resource version: ${requested} (${oldest})`);
    this.name = 'TooOldResourceVersionError';
  }
}

export interface WatchCacheOptions {
  store: ObjectStore;
  /** Key prefix of the resource, e.g. "/registry/pods/". */
  prefix: string;
  logger: Logger;
  /** Events kept for watches that start in the past. */
  capacity?: number;
  bookmarkIntervalMs?: number;
  relistDelayMs?: number;
}

interface Watcher {
  request: WatchRequest;
  sink: WatchSink;
  /** Events at or below this revision were already delivered (or predate the watch). */
  deliveredRevision: number;
}

const DEFAULT_CAPACITY = 1024;
const DEFAULT_BOOKMARK_INTERVAL_MS = 60_000;
const DEFAULT_RELIST_DELAY_MS = 1_000;

export class WatchCache {
  private readonly objects = new Map<string, KubeObject>();
  private ring: CacheEvent[] = [];
  /** A watch from revision R can be served iff R >= ringStartRevision. */
  private ringStartRevision = 0;
  private revisionNow = 0;
  private readonly watchers = new Set<Watcher>();
  private storeWatch: { cancel(): void } | null = null;
  private stopped = false;
  private readyPromise: Promise<void>;
  private markReady: () => void = () => {};
  private isReady = false;
  private bookmarkTimer: NodeJS.Timeout | null = null;
  private relistTimer: NodeJS.Timeout | null = null;
  private readonly capacity: number;

  constructor(private readonly options: WatchCacheOptions) {
    this.capacity = options.capacity ?? DEFAULT_CAPACITY;
    this.readyPromise = new Promise((resolve) => (this.markReady = resolve));
  }

  get prefix(): string {
    return this.options.prefix;
  }
  get revision(): number {
    return this.revisionNow;
  }
  get ready(): boolean {
    return this.isReady;
  }

  start(): Promise<void> {
    // Bookmarks carry the revision the cache has reached: its last event, or etcd's last progress notification
    // (sent only for a caught-up watch). No progress_request: etcd 3.4 answers it with the store's revision even
    // while the watch still has events to deliver, and bookmarks at that revision made watchers skip them.
    this.bookmarkTimer = setInterval(() => this.sendBookmarks(), this.options.bookmarkIntervalMs ?? DEFAULT_BOOKMARK_INTERVAL_MS);
    this.bookmarkTimer.unref();
    void this.relist();
    return this.readyPromise;
  }

  /** Resolves once the cache has listed (again, after a failure). */
  whenReady(): Promise<void> {
    return this.readyPromise;
  }

  stop(): void {
    this.stopped = true;
    this.storeWatch?.cancel();
    if (this.bookmarkTimer !== null) clearInterval(this.bookmarkTimer);
    if (this.relistTimer !== null) clearTimeout(this.relistTimer);
    this.closeWatchers();
  }

  /** The object at `key` as the cache holds it (possibly behind the store); undefined if absent or not listed yet. */
  get(key: string): KubeObject | undefined {
    return this.isReady ? this.objects.get(key) : undefined;
  }

  /** Current objects passing `filter`, sorted by key, at the cache's revision. */
  list(filter: (obj: KubeObject) => boolean = () => true): { items: KubeObject[]; revision: number } {
    const keys = [...this.objects.keys()].sort();
    const items: KubeObject[] = [];
    for (const key of keys) {
      const obj = this.objects.get(key) as KubeObject;
      if (filter(obj)) items.push(obj);
    }
    return { items, revision: this.revisionNow };
  }

  /** Starts a watch; throws TooOldResourceVersionError when the ring no longer reaches back to `fromRevision`. */
  watch(request: WatchRequest, sink: WatchSink): CacheWatch {
    const watcher: Watcher = { request, sink, deliveredRevision: this.revisionNow };
    if (request.fromRevision === null) {
      for (const obj of this.list(request.filter).items) sink.event('ADDED', obj);
    } else if (request.fromRevision < this.ringStartRevision) {
      throw new TooOldResourceVersionError(request.fromRevision, this.ringStartRevision);
    } else {
      watcher.deliveredRevision = request.fromRevision;
      for (const event of this.ring) if (event.revision > request.fromRevision) this.deliver(watcher, event);
      watcher.deliveredRevision = Math.max(request.fromRevision, this.revisionNow);
    }
    this.watchers.add(watcher);
    return { stop: () => this.watchers.delete(watcher) };
  }

  private async relist(): Promise<void> {
    if (this.stopped) return;
    try {
      const { items, revision } = await this.options.store.list(this.options.prefix);
      if (this.stopped) return;
      this.objects.clear();
      for (const obj of items) this.objects.set(keyOf(this.options.prefix, obj), obj);
      this.ring = [];
      this.revisionNow = revision;
      this.ringStartRevision = revision;
      this.storeWatch = this.options.store.watch(this.options.prefix, revision + 1, {
        onEvents: (events, rev) => this.apply(events, rev),
        onProgress: (rev) => {
          this.revisionNow = Math.max(this.revisionNow, rev);
        },
        onError: (error) => this.onStoreWatchError(error),
      });
      this.isReady = true;
      this.markReady();
    } catch (err) {
      this.options.logger.warn({ prefix: this.options.prefix, err: String(err) }, 'watch cache list failed; retrying');
      this.scheduleRelist();
    }
  }

  private onStoreWatchError(error: Error): void {
    if (this.stopped) return;
    this.options.logger.info({ prefix: this.options.prefix, err: error.message }, 'store watch ended; relisting');
    this.isReady = false;
    this.readyPromise = new Promise((resolve) => (this.markReady = resolve));
    this.closeWatchers();
    this.scheduleRelist();
  }

  private scheduleRelist(): void {
    if (this.stopped || this.relistTimer !== null) return;
    this.relistTimer = setTimeout(() => {
      this.relistTimer = null;
      void this.relist();
    }, this.options.relistDelayMs ?? DEFAULT_RELIST_DELAY_MS);
    this.relistTimer.unref();
  }

  private apply(events: StoredEvent[], revision: number): void {
    for (const e of events) {
      // The cache's own copy is the previous object (it applies every event in order since its list); the
      // event's prev_kv is decoded only for a key the cache does not hold.
      const event: CacheEvent = { type: e.type, key: e.key, object: e.object, revision: e.revision, prevObject: this.objects.get(e.key) ?? e.prevObject() };
      if (e.type === 'DELETED') this.objects.delete(e.key);
      else this.objects.set(e.key, e.object);
      this.ring.push(event);
      if (this.ring.length > this.capacity) {
        const evicted = this.ring.shift() as CacheEvent;
        this.ringStartRevision = evicted.revision;
      }
      this.revisionNow = Math.max(this.revisionNow, e.revision);
      for (const watcher of this.watchers) this.deliver(watcher, event);
    }
    this.revisionNow = Math.max(this.revisionNow, revision);
  }

  /** Sends `event` as this watcher sees it through its filter (an object leaving the filter is a DELETED). */
  private deliver(watcher: Watcher, event: CacheEvent): void {
    if (event.revision <= watcher.deliveredRevision) return;
    watcher.deliveredRevision = event.revision;
    const { filter } = watcher.request;
    const now = filter(event.object);
    const before = event.prevObject !== null && filter(event.prevObject);
    if (event.type === 'DELETED') {
      if (before || now) watcher.sink.event('DELETED', event.object);
    } else if (event.type === 'ADDED') {
      if (now) watcher.sink.event('ADDED', event.object);
    } else if (now && before) {
      watcher.sink.event('MODIFIED', event.object);
    } else if (now) {
      watcher.sink.event('ADDED', event.object);
    } else if (before) {
      watcher.sink.event('DELETED', event.object);
    }
  }

  /** Sends a BOOKMARK at the current revision to every watcher that asked for bookmarks. */
  sendBookmarks(): void {
    if (!this.isReady) return;
    for (const watcher of this.watchers) {
      if (!watcher.request.bookmarks) continue;
      // Never behind where the watch started: a watch from a list revision the cache has not reached yet has
      // nothing to deliver up to that revision, so a bookmark there is true and keeps the client's position.
      const revision = Math.max(watcher.deliveredRevision, this.revisionNow);
      watcher.deliveredRevision = revision;
      watcher.sink.bookmark(revision);
    }
  }

  private closeWatchers(): void {
    const all = [...this.watchers];
    this.watchers.clear();
    for (const w of all) w.sink.closed();
  }
}

/** The store key an object lives under, from its namespace and name. */
export function keyOf(prefix: string, obj: KubeObject): string {
  const ns = obj.metadata?.namespace;
  const name = obj.metadata?.name ?? '';
  return ns === undefined || ns === '' ? `${prefix}${name}` : `${prefix}${ns}/${name}`;
}
