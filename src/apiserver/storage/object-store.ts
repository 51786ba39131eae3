// Kubernetes objects in etcd, the way kube-apiserver keeps them: one key per object, resourceVersion = the key's
// mod_revision, every write a Txn guarded by a mod_revision compare.
//
// Encoding: JSON (UTF-8), with metadata.resourceVersion removed before writing (the revision is the truth). kube-
// apiserver stores built-in types as protobuf behind the 4-byte magic "k8s\0"; barque stores JSON so that etcdctl
// shows readable objects and no protobuf schemas for every Kubernetes type are needed. See docs/apiserver.md.
import type { KubeObject } from '../types.ts';
import { decodeContinue, encodeContinue, ContinueTokenError } from './continue-token.ts';
import { EtcdClient, isCompacted, prefixEnd, type EtcdWatch, type KeyValue, type OpSpec, type WatchEvent } from './etcd-client.ts';
import { StorageError } from './errors.ts';
import { inEncodedShape } from './stored-json.ts';

/** Writes lost to concurrent writers are retried this many times before giving up with a Conflict. */
const UPDATE_ATTEMPTS_MAX = 16;
/** Pages fetched for one filtered list request, so a selective selector cannot spin forever. */
const LIST_PAGES_MAX = 64;

export interface ListOptions {
  /** 0 = no limit. */
  limit?: number;
  continueToken?: string;
  /** 0 = the latest revision. Ignored with a continue token (the token carries the revision). */
  revision?: number;
  filter?: (obj: KubeObject) => boolean;
}

export interface ListResult<T = KubeObject> {
  items: T[];
  revision: number;
  continueToken?: string;
  remainingItemCount?: number;
}

/** Stored key-values as listRaw() returns them. */
export type RawListResult = ListResult<KeyValue>;

export interface StoredEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  key: string;
  object: KubeObject;
  /**
   * The object before this event (null: none). Decoded from prev_kv only when called: the watch cache holds the
   * previous object already, and decoding every event's previous value was a second JSON parse per event.
   */
  prevObject(): KubeObject | null;
  revision: number;
}

export interface StoreWatchHandlers {
  onEvents(events: StoredEvent[], revision: number): void;
  onProgress(revision: number): void;
  onError(error: Error & { compactRevision?: number }): void;
}

export type Updater = (current: KubeObject) => KubeObject | Promise<KubeObject>;

export class ObjectStore {
  /** The revision of the last write this store made (create, update or delete), when its answer arrived. */
  lastWriteRevision = 0;

  constructor(readonly client: EtcdClient) {}

  async get(key: string): Promise<KubeObject | null> {
    const res = await this.client.range(Buffer.from(key));
    return res.kvs.length === 0 ? null : decode(res.kvs[0]);
  }

  /** The store's current revision (a Range of the health key, as kube-apiserver's health check does). */
  async currentRevision(): Promise<number> {
    return (await this.client.range(Buffer.from('/registry/health'))).revision;
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    const filter = options.filter;
    return this.collect(prefix, options, decode, filter);
  }

  /**
   * As list() without a filter, the stored values left encoded (no metadata.resourceVersion in them: it is each
   * item's modRevision), for answers that pass them on as JSON (see stored-json.ts).
   */
  async listRaw(prefix: string, options: Omit<ListOptions, 'filter'> = {}): Promise<RawListResult> {
    return this.collect(prefix, options, (kv) => kv);
  }

  private async collect<T>(prefix: string, options: Omit<ListOptions, 'filter'>, convert: (kv: KeyValue) => T, keep?: (item: T) => boolean): Promise<ListResult<T>> {
    const limit = options.limit ?? 0;
    let fromKey = prefix;
    let revision = options.revision ?? 0;
    if (options.continueToken !== undefined && options.continueToken !== '') {
      try {
        ({ fromKey, revision } = decodeContinue(options.continueToken, prefix));
      } catch (err) {
        if (err instanceof ContinueTokenError) throw new StorageError('InvalidContinue', prefix, `invalid continue token: ${err.message}`);
        throw err;
      }
    }
    const end = prefixEnd(Buffer.from(prefix));
    const items: T[] = [];
    let lastKey: string | null = null;
    let more = false;
    let remaining: number | undefined;
    for (let page = 0; page < LIST_PAGES_MAX; page++) {
      const res = await this.rangeAt(Buffer.from(fromKey), end, limit, revision, options.continueToken !== undefined);
      revision = res.revision;
      more = res.more;
      for (const kv of res.kvs) {
        const item = convert(kv);
        lastKey = kv.key.toString('utf8');
        if (keep === undefined || keep(item)) items.push(item);
        if (limit > 0 && items.length === limit) {
          const seen = res.kvs.indexOf(kv) + 1;
          more = more || seen < res.kvs.length;
          remaining = res.count - seen;
          break;
        }
      }
      if (!res.more || limit === 0 || (limit > 0 && items.length === limit) || lastKey === null) break;
      fromKey = `${lastKey}\0`;
    }
    const result: ListResult<T> = { items, revision };
    if (more && limit > 0 && lastKey !== null) {
      result.continueToken = encodeContinue(`${lastKey}\0`, prefix, revision);
      if (keep === undefined && remaining !== undefined) result.remainingItemCount = Math.max(0, remaining);
    }
    return result;
  }

  /** Create: Put only if the key does not exist (mod_revision == 0); with `lease`, the object goes when it expires. */
  async create(key: string, obj: KubeObject, lease?: () => Promise<string>): Promise<KubeObject> {
    const k = Buffer.from(key);
    const put: OpSpec = { op: 'put', key: k, value: encode(obj), lease: lease === undefined ? undefined : await lease() };
    const res = await this.client.txn([{ key: k, target: 'mod', modRevision: 0 }], [put], []);
    if (!res.succeeded) throw new StorageError('KeyExists', key, `key ${key} already exists`);
    this.lastWriteRevision = res.revision;
    return withResourceVersion(obj, res.revision);
  }

  /**
   * Read-modify-write with optimistic concurrency: `update` gets the current object and returns the new one (or
   * throws, e.g. a Conflict when the caller's resourceVersion precondition does not hold). Lost races re-run it on
   * the object the failed Txn read back. An update that changes nothing writes nothing and keeps the revision.
   *
   * `known`: the object as the caller already has it (the watch cache's copy; its resourceVersion is its
   * mod_revision), used instead of a first read, as kube-apiserver does. The Txn's compare catches a stale copy;
   * what is decided on a copy that may be stale without writing (nothing to change, `update` refusing) is decided
   * again on the object read from the store.
   */
  async guaranteedUpdate(key: string, update: Updater, known?: KubeObject, lease?: () => Promise<string>): Promise<KubeObject> {
    const k = Buffer.from(key);
    let state = knownState(known) ?? storedState(await this.getRaw(k));
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS_MAX; attempt++) {
      if (state === null) throw new StorageError('KeyNotFound', key, `key ${key} not found`);
      let next: KubeObject;
      try {
        next = await update(state.object());
      } catch (err) {
        if (state.current) throw err;
        state = storedState(await this.getRaw(k));
        continue;
      }
      const value = encode(next);
      if (value.equals(state.value) || (state.current && !inEncodedShape(state.value) && value.equals(encode(state.object())))) {
        if (state.current) return state.object();
        state = storedState(await this.getRaw(k));
        continue;
      }
      const res = await this.client.txn(
        [{ key: k, target: 'mod', modRevision: state.modRevision }],
        // An object that expires gets a lease on every write, as kube-apiserver attaches its TTL to updates too.
        [{ op: 'put', key: k, value, lease: lease === undefined ? undefined : await lease() }],
        [{ op: 'range', key: k }],
      );
      if (res.succeeded) {
        this.lastWriteRevision = res.revision;
        return withResourceVersion(next, res.revision);
      }
      state = storedState(res.kvs[0]?.[0] ?? null);
    }
    throw new StorageError('Conflict', key, `too many concurrent writers to ${key}`);
  }

  /**
   * Delete after `check` accepts the current object (preconditions); returns the object as it was. `known` as for
   * guaranteedUpdate: a refusal by `check` of a copy that may be stale is checked again on the stored object.
   */
  async delete(key: string, check: (current: KubeObject) => void = () => {}, known?: KubeObject): Promise<KubeObject> {
    const k = Buffer.from(key);
    let state = knownState(known) ?? storedState(await this.getRaw(k));
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS_MAX; attempt++) {
      if (state === null) throw new StorageError('KeyNotFound', key, `key ${key} not found`);
      const obj = state.object();
      try {
        check(obj);
      } catch (err) {
        if (state.current) throw err;
        state = storedState(await this.getRaw(k));
        continue;
      }
      const res = await this.client.txn(
        [{ key: k, target: 'mod', modRevision: state.modRevision }],
        [{ op: 'delete', key: k, prevKv: true }],
        [{ op: 'range', key: k }],
      );
      if (res.succeeded) {
        this.lastWriteRevision = res.revision;
        return obj;
      }
      state = storedState(res.kvs[0]?.[0] ?? null);
    }
    throw new StorageError('Conflict', key, `too many concurrent writers to ${key}`);
  }

  /** Prefix watch from `startRevision` (exclusive of nothing: events at startRevision and later). */
  watch(prefix: string, startRevision: number, handlers: StoreWatchHandlers): EtcdWatch {
    return this.client.watchPrefix(Buffer.from(prefix), startRevision, {
      onEvents: (events, revision) => handlers.onEvents(events.map(toStoredEvent), revision),
      onProgress: (revision) => handlers.onProgress(revision),
      onError: (error) => handlers.onError(error),
    });
  }

  private async getRaw(key: Buffer): Promise<KeyValue | null> {
    const res = await this.client.range(key);
    return res.kvs[0] ?? null;
  }

  private async rangeAt(from: Buffer, end: Buffer, limit: number, revision: number, continuing: boolean) {
    try {
      return await this.client.range(from, { rangeEnd: end, limit, revision });
    } catch (err) {
      if (isCompacted(err)) {
        throw new StorageError(
          'Compacted',
          from.toString('utf8'),
          continuing ? 'continue token expired' : `revision ${revision} has been compacted`,
        );
      }
      throw err;
    }
  }
}

function toStoredEvent(e: WatchEvent): StoredEvent {
  const key = e.kv.key.toString('utf8');
  if (e.type === 'DELETE') {
    // A delete event carries only the key and the revision; the object is the previous value, at the delete's RV.
    const prev = e.prevKv === null ? { metadata: {} } : decode(e.prevKv);
    return { type: 'DELETED', key, object: withResourceVersion(prev, e.kv.modRevision), prevObject: () => prev, revision: e.kv.modRevision };
  }
  const prevKv = e.prevKv;
  let prev: KubeObject | null | undefined;
  return {
    type: e.kv.createRevision === e.kv.modRevision ? 'ADDED' : 'MODIFIED',
    key,
    object: decode(e.kv),
    prevObject: () => (prev ??= prevKv === null ? null : decode(prevKv)),
    revision: e.kv.modRevision,
  };
}

/** An object to update or delete: as read from the store (`current`), or as the caller knew it. */
interface ObjectState {
  /** A copy of its own for the caller to change. */
  object(): KubeObject;
  modRevision: number;
  /** Its encoding, to recognise an update that changes nothing. */
  value: Buffer;
  /** Read from the store just now, or handed back by a failed Txn: not a copy that may be stale. */
  current: boolean;
}

function storedState(kv: KeyValue | null): ObjectState | null {
  if (kv === null) return null;
  return { object: () => decode(kv), modRevision: kv.modRevision, value: kv.value, current: true };
}

/** Undefined when there is no copy, or one without a usable resourceVersion: then the object is read. */
function knownState(obj: KubeObject | undefined): ObjectState | undefined {
  const modRevision = Number(obj?.metadata?.resourceVersion);
  if (obj === undefined || !Number.isSafeInteger(modRevision) || modRevision <= 0) return undefined;
  return { object: () => structuredClone(obj), modRevision, value: encode(obj), current: false };
}

/**
 * The stored form: JSON with apiVersion, kind and metadata first (stored-json.ts relies on that order to answer
 * lists without parsing) and no metadata.resourceVersion.
 */
export function encode(obj: KubeObject): Buffer {
  const { apiVersion, kind, metadata, ...rest } = obj;
  const meta = { ...(metadata ?? {}) };
  delete meta.resourceVersion;
  return Buffer.from(JSON.stringify({ apiVersion, kind, metadata: meta, ...rest }), 'utf8');
}

export function decode(kv: KeyValue): KubeObject {
  const obj = JSON.parse(kv.value.toString('utf8')) as KubeObject;
  return withResourceVersion(obj, kv.modRevision);
}

function withResourceVersion(obj: KubeObject, revision: number): KubeObject {
  return { ...obj, metadata: { ...(obj.metadata ?? {}), resourceVersion: String(revision) } };
}
