// A version of a resource whose objects are stored in another version (autoscaling/v1 HorizontalPodAutoscalers are
// stored as autoscaling/v2, as kube-apiserver keeps one storage version per resource): views of the object store and
// of the watch cache that convert every object read (fromStored) and every object written (toStored), so the
// registry above works in its own version throughout and both versions share the same keys.
//
// Writes go without the caller's cached copy (`known`): the copy is in the served version, and a round trip through
// the conversion need not reproduce the stored bytes the store compares against, so the store reads the object
// first (one Range more per write of such a version). Cached objects are converted once each (a WeakMap keyed by
// the cache's object), so every watcher of an event gets the same converted object, as the registry's
// typedEventObject and the watch's JSON encoding rely on.
import { decode, encode, type ListOptions, type ListResult, type ObjectStore, type RawListResult, type Updater } from '../storage/index.ts';
import type { CacheWatch, WatchCache, WatchRequest, WatchSink } from '../watch-cache/index.ts';
import type { KubeObject } from '../types.ts';
import type { StoredVersionConversion } from '../resources/index.ts';

/** What a registry uses of the object store. */
export type RegistryStore = Pick<ObjectStore, 'get' | 'list' | 'listRaw' | 'create' | 'guaranteedUpdate' | 'delete' | 'lastWriteRevision'>;
/** What a registry uses of its watch cache. */
export type RegistryCache = Pick<WatchCache, 'whenReady' | 'list' | 'get' | 'watch' | 'revision'>;

class ConvertingStore implements RegistryStore {
  constructor(
    private readonly inner: ObjectStore,
    private readonly conversion: StoredVersionConversion,
  ) {}

  get lastWriteRevision(): number {
    return this.inner.lastWriteRevision;
  }

  async get(key: string): Promise<KubeObject | null> {
    const stored = await this.inner.get(key);
    return stored === null ? null : this.conversion.fromStored(stored);
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    const { filter } = options;
    const res = await this.inner.list(prefix, { ...options, filter: filter === undefined ? undefined : (stored) => filter(this.conversion.fromStored(stored)) });
    return { ...res, items: res.items.map((i) => this.conversion.fromStored(i)) };
  }

  /** Each value re-encoded in the served version, in the stored form (stored-json.ts splices resourceVersion in). */
  async listRaw(prefix: string, options: Omit<ListOptions, 'filter'> = {}): Promise<RawListResult> {
    const res = await this.inner.listRaw(prefix, options);
    return { ...res, items: res.items.map((kv) => ({ ...kv, value: encode(this.conversion.fromStored(decode(kv))) })) };
  }

  async create(key: string, obj: KubeObject, lease?: () => Promise<string>): Promise<KubeObject> {
    return this.conversion.fromStored(await this.inner.create(key, this.conversion.toStored(obj), lease));
  }

  async guaranteedUpdate(key: string, update: Updater, _known?: KubeObject, lease?: () => Promise<string>): Promise<KubeObject> {
    const written = await this.inner.guaranteedUpdate(key, async (stored) => this.conversion.toStored(await update(this.conversion.fromStored(stored))), undefined, lease);
    return this.conversion.fromStored(written);
  }

  async delete(key: string, check: (current: KubeObject) => void = () => {}, _known?: KubeObject): Promise<KubeObject> {
    return this.conversion.fromStored(await this.inner.delete(key, (stored) => check(this.conversion.fromStored(stored))));
  }
}

class ConvertingCache implements RegistryCache {
  private readonly converted = new WeakMap<KubeObject, KubeObject>();

  constructor(
    private readonly inner: WatchCache,
    private readonly conversion: StoredVersionConversion,
  ) {}

  get revision(): number {
    return this.inner.revision;
  }

  whenReady(): Promise<void> {
    return this.inner.whenReady();
  }

  get(key: string): KubeObject | undefined {
    const stored = this.inner.get(key);
    return stored === undefined ? undefined : this.view(stored);
  }

  list(filter: (obj: KubeObject) => boolean = () => true): { items: KubeObject[]; revision: number } {
    const { items, revision } = this.inner.list((stored) => filter(this.view(stored)));
    return { items: items.map((i) => this.view(i)), revision };
  }

  watch(request: WatchRequest, sink: WatchSink): CacheWatch {
    return this.inner.watch(
      { ...request, filter: (stored) => request.filter(this.view(stored)) },
      { event: (type, stored) => sink.event(type, this.view(stored)), bookmark: (revision) => sink.bookmark(revision), closed: () => sink.closed() },
    );
  }

  private view(stored: KubeObject): KubeObject {
    let obj = this.converted.get(stored);
    if (obj === undefined) {
      obj = this.conversion.fromStored(stored);
      this.converted.set(stored, obj);
    }
    return obj;
  }
}

/** The store as `conversion`'s version sees it; the store itself when there is no conversion. */
export function storeForVersion(store: ObjectStore, conversion: StoredVersionConversion | undefined): RegistryStore {
  return conversion === undefined ? store : new ConvertingStore(store, conversion);
}

export function cacheForVersion(cache: WatchCache, conversion: StoredVersionConversion | undefined): RegistryCache {
  return conversion === undefined ? cache : new ConvertingCache(cache, conversion);
}
