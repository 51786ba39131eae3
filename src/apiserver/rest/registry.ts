// The generic registry: create / get / list / update / patch / delete / watch for one resource, on top of the object
// store and the resource's watch cache, with Kubernetes' metadata rules (generateName, uid, creationTimestamp,
// generation, resourceVersion preconditions) and Kubernetes' errors. No HTTP here: server.ts speaks HTTP.
import { randomUUID, randomInt } from 'node:crypto';
import { decode, isStorageError, storedJson, type ObjectStore } from '../storage/index.ts';
import { deepClone, isPlainObject, type KubeObject } from '../types.ts';
import { TooOldResourceVersionError, type CacheWatch, type WatchCache, type WatchSink } from '../watch-cache/index.ts';
import * as admission from '../admission/index.ts';
import type { AdmissionObjects } from '../admission/index.ts';
import type { Logger } from '../../common/logger.ts';
import {
  applyFinalize,
  NAMESPACE_ALREADY_TERMINATING,
  newFinalizersWhileDeleting,
  planDeletion,
  planNamespaceDeletion,
  shouldDeleteAfterUpdate,
  specFinalizers,
  UNDELETABLE_NAMESPACES,
  type DeletionPlan,
} from '../deletion/index.ts';
import { applyConfiguration, ApplyConflictError, applyPatch, PatchError, recordUpdate, schemaForKind, type FieldManagerContext, type PatchType } from '../patch/index.ts';
import { noUndo, type RegistryHooks, type Undo } from './registry-hooks.ts';
import { cacheForVersion, storeForVersion, type RegistryCache, type RegistryStore } from './stored-version.ts';
import { apiVersionOf, fieldSet, nameRuleOf, selectableFieldNames, validateName, type ResourceDef } from '../resources/index.ts';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector, SelectorParseError } from './selectors.ts';
import {
  alreadyExists,
  ApiError,
  badRequest,
  cause,
  conflict,
  expired,
  forbidden,
  invalid,
  notFound,
  successStatus,
  type StatusCause,
} from './status.ts';
import type { WriteOptions } from './write-options.ts';
import type { UserInfo } from '../auth/user.ts';

export type { WriteOptions };

export interface ListQuery {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continueToken?: string;
  resourceVersion?: string;
}

export interface DeleteOptions {
  propagationPolicy?: string;
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface ListResult<T = KubeObject> {
  items: T[];
  resourceVersion: string;
  continueToken?: string;
  remainingItemCount?: number;
}

/** A list with each item as its JSON (UTF-8). */
export type JsonListResult = ListResult<Buffer>;

/** Namespaces that always exist and may not be deleted. */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const;
const GENERATE_NAME_ATTEMPTS = 8;
/** Who managedFields credit when a caller names no field manager (internal writes). */
const DEFAULT_FIELD_MANAGER = 'barque-apiserver';
const GENERATE_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
/** Built-in objects are retried this often, a second apart, as kube-apiserver's post-start hooks poll for 30 s. */
const BUILTIN_ATTEMPTS_MAX = 30;
const BUILTIN_RETRY_MS = 1_000;

/** Where a resource's objects live in etcd: kube-apiserver's own prefixes, so etcdctl finds them where expected. */
export function storagePrefix(def: ResourceDef): string {
  const base = def.group === '' ? def.resource : `${def.group}/${def.resource}`;
  return def.resource === 'services' && def.group === '' ? '/registry/services/specs/' : `/registry/${base}/`;
}

export function nowTimestamp(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class ResourceRegistry {
  readonly prefix: string;
  /** Told when a namespace turns Terminating (only on the namespaces registry), to empty and finalize it. */
  namespaceTerminating?: (name: string) => void;
  /** Side effects around writes (service IP and port allocation); set when the apiserver is wired. */
  hooks: RegistryHooks = {};
  /** For objects that expire (events, --event-ttl): a lease for each write; set when the apiserver is wired. */
  lease?: () => Promise<string>;
  /** Cache objects with their type metadata, for watch events (typedEventObject). */
  private readonly typedEvents = new WeakMap<KubeObject, KubeObject>();
  /** The store's revision after this apiserver's latest write to the resource (cachedSinceOwnWrites). */
  private ownWriteRevision = 0;
  /** What admission rules read and write of other resources (admission/objects.ts), through their registries. */
  private readonly admissionObjects: AdmissionObjects = {
    list: async (group, resource, namespace) => this.peer(group, resource)?.listSinceOwnWrites(namespace),
    listFresh: async (group, resource, namespace) => {
      const r = this.peer(group, resource);
      return r === undefined ? undefined : (await r.list(namespace, {})).items;
    },
    get: async (group, resource, namespace, name) => {
      const r = this.peer(group, resource);
      if (r === undefined) return undefined;
      return r.cachedSinceOwnWrites(namespace, name) ?? (await r.store.get(r.key(namespace, name)));
    },
    writeStatus: async (group, resource, obj) => {
      const r = this.peer(group, resource);
      if (r === undefined) throw new Error(`${resource}.${group} is not served`);
      return r.update(obj.metadata?.namespace ?? '', obj.metadata?.name ?? '', obj, 'status');
    },
  };

  private readonly store: RegistryStore;
  private readonly cache: RegistryCache;

  constructor(
    readonly def: ResourceDef,
    store: ObjectStore,
    cache: WatchCache,
    /** Other registries, for the namespace check and namespace deletion. */
    private readonly lookup: (resource: string) => ResourceRegistry | undefined,
    private readonly all: () => readonly ResourceRegistry[],
  ) {
    this.prefix = storagePrefix(def);
    // A version stored as another (autoscaling/v1 HPAs are stored as v2) reads and writes through its conversion.
    this.store = storeForVersion(store, def.conversion);
    this.cache = cacheForVersion(cache, def.conversion);
  }

  key(namespace: string, name: string): string {
    return this.def.namespaced ? `${this.prefix}${namespace}/${name}` : `${this.prefix}${name}`;
  }

  async get(namespace: string, name: string): Promise<KubeObject> {
    const obj = await this.store.get(this.key(namespace, name));
    if (obj === null) throw notFound(this.def, name);
    return this.withTypeMeta(obj);
  }

  async list(namespace: string, query: ListQuery): Promise<ListResult> {
    const filter = this.filterFor(namespace, query);
    const prefix = this.listPrefix(namespace);
    if (fromCache(query)) {
      await this.cache.whenReady();
      const { items, revision } = this.cache.list((obj) => (prefix === this.prefix || objectKeyInPrefix(this, obj, prefix)) && filter(obj));
      return { items: items.map((i) => this.withTypeMeta(i)), resourceVersion: String(revision) };
    }
    const revision = parseResourceVersion(query.resourceVersion);
    try {
      // Without selectors the prefix alone decides, and the store can count what is left (remainingItemCount).
      const res = await this.store.list(prefix, { limit: query.limit ?? 0, continueToken: query.continueToken, revision, filter: selective(query) ? filter : undefined });
      return listResult(res, res.items.map((i) => this.withTypeMeta(i)));
    } catch (err) {
      throw storeListError(err, query);
    }
  }

  /**
   * list() with every item as JSON bytes (the gRPC List answer). A list the store answers without selectors passes
   * the stored values on with their resourceVersion spliced in (stored-json.ts) instead of parsing and
   * re-encoding each object; the rest goes through list().
   */
  async listJson(namespace: string, query: ListQuery): Promise<JsonListResult> {
    if (selective(query) || fromCache(query)) {
      const res = await this.list(namespace, query);
      return { ...res, items: res.items.map(jsonBytes) };
    }
    const revision = parseResourceVersion(query.resourceVersion);
    try {
      const res = await this.store.listRaw(this.listPrefix(namespace), { limit: query.limit ?? 0, continueToken: query.continueToken, revision });
      return listResult(res, res.items.map((kv) => storedJson(kv.value, kv.modRevision) ?? jsonBytes(this.withTypeMeta(decode(kv)))));
    } catch (err) {
      throw storeListError(err, query);
    }
  }

  /** The key prefix a list of `namespace` ('' = every namespace) covers. */
  private listPrefix(namespace: string): string {
    return this.def.namespaced && namespace !== '' ? `${this.prefix}${namespace}/` : this.prefix;
  }

  async create(namespace: string, body: unknown, dryRun = false, options: WriteOptions = {}): Promise<KubeObject> {
    const obj = this.checkBody(body);
    const meta = obj.metadata ?? {};
    obj.metadata = meta;
    if (this.def.namespaced) {
      if ((meta.namespace ?? '') !== '' && meta.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = namespace;
      await this.requireNamespace(namespace, meta.name ?? '');
    } else {
      delete meta.namespace;
    }
    const generated = (meta.name ?? '') === '' && (meta.generateName ?? '') !== '';
    for (let attempt = 0; ; attempt++) {
      if (generated) meta.name = `${meta.generateName}${randomSuffix()}`;
      this.initializeMetadata(obj);
      this.def.defaults(obj);
      this.def.admit?.(obj);
      await admission.mutateCreate(this.def, obj, this.admissionObjects);
      this.validate(obj);
      if (options.managedFieldsSet !== true) recordUpdate(undefined, obj, options.fieldManager ?? DEFAULT_FIELD_MANAGER, this.fieldContext(''));
      const undo = (await this.hooks.beforeCreate?.(obj, dryRun, options.user)) ?? noUndo;
      // Validating admission comes last, as upstream's createValidation; once, since a retry with another generated
      // name is the same object to quota.
      if (attempt === 0) {
        try {
          await admission.validateCreate(this.def, obj, this.admissionObjects, dryRun);
        } catch (err) {
          await undo();
          throw err;
        }
      }
      if (dryRun) return this.withTypeMeta(obj);
      try {
        // Stored with its apiVersion and kind, as kube-apiserver stores every object (stored-json.ts relies on it).
        const created = await this.store.create(this.key(namespace, meta.name ?? ''), this.withTypeMeta(obj), this.lease);
        this.wrote(created);
        return created;
      } catch (err) {
        await undo();
        if (!isStorageError(err, 'KeyExists')) throw err;
        if (!generated || attempt + 1 >= GENERATE_NAME_ATTEMPTS) throw alreadyExists(this.def, meta.name ?? '');
      }
    }
  }

  /** PUT: replace the object (or only its status with `subresource` = "status"). */
  async update(namespace: string, name: string, body: unknown, subresource = '', dryRun = false, options: WriteOptions = {}): Promise<KubeObject> {
    const incoming = this.checkBody(body);
    this.checkIdentity(incoming, namespace, name);
    const expectedRv = incoming.metadata?.resourceVersion ?? '';
    return this.guaranteedUpdate(namespace, name, dryRun, (current) => {
      if (expectedRv !== '' && expectedRv !== current.metadata?.resourceVersion) throw conflict(this.def, name);
      return this.recorded(current, this.merge(current, incoming, subresource), subresource, options);
    });
  }

  async patch(namespace: string, name: string, type: PatchType, patch: unknown, subresource = '', dryRun = false, options: WriteOptions = {}): Promise<KubeObject> {
    return this.guaranteedUpdate(namespace, name, dryRun, (current) => {
      let patched: unknown;
      try {
        patched = applyPatch(type, deepClone(current), patch, schemaForKind(this.def.group, this.def.kind));
      } catch (err) {
        throw patchFailure(err);
      }
      const next = this.checkBody(patched);
      this.checkIdentity(next, namespace, name);
      const rv = next.metadata?.resourceVersion ?? '';
      if (rv !== '' && rv !== current.metadata?.resourceVersion) throw conflict(this.def, name);
      return this.recorded(current, this.merge(current, next, subresource), subresource, options);
    });
  }

  /**
   * Server-side apply (PATCH application/apply-patch+yaml) by `options.fieldManager`; creates the object when it
   * does not exist (not through a subresource). `created` tells the caller to answer 201.
   */
  async apply(
    namespace: string,
    name: string,
    body: unknown,
    options: { fieldManager: string; force: boolean; user?: UserInfo },
    subresource = '',
    dryRun = false,
  ): Promise<{ object: KubeObject; created: boolean }> {
    const config = this.checkBody(body);
    const expectedVersion = apiVersionOf(this.def);
    if (config.apiVersion !== expectedVersion) {
      throw badRequest(`Incorrect version specified in apply patch. Specified patch version: ${String(config.apiVersion ?? '')}, expected: ${expectedVersion}`);
    }
    this.checkIdentity(config, namespace, name);
    const applyTo = (current: KubeObject | undefined): KubeObject => {
      try {
        return applyConfiguration(current, config, { manager: options.fieldManager, force: options.force }, this.fieldContext(subresource));
      } catch (err) {
        throw patchFailure(err);
      }
    };
    for (let attempt = 0; ; attempt++) {
      try {
        const object = await this.guaranteedUpdate(namespace, name, dryRun, (current) => {
          const rv = config.metadata?.resourceVersion ?? '';
          if (rv !== '' && rv !== current.metadata?.resourceVersion) throw conflict(this.def, name);
          return this.merge(current, applyTo(current), subresource);
        });
        return { object, created: false };
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404 && err.details?.name === name) || subresource !== '') throw err;
      }
      const fresh = applyTo(undefined);
      fresh.metadata = { ...(fresh.metadata ?? {}), name };
      try {
        return { object: await this.create(namespace, fresh, dryRun, { fieldManager: options.fieldManager, managedFieldsSet: true, user: options.user }), created: true };
      } catch (err) {
        // Created by someone else meanwhile: apply to theirs.
        if (!(err instanceof ApiError && err.reason === 'AlreadyExists') || attempt > 0) throw err;
      }
    }
  }

  async delete(namespace: string, name: string, options: DeleteOptions): Promise<KubeObject | Record<string, unknown>> {
    const refused = this.def.deleteForbidden?.(name);
    if (refused !== undefined) throw forbidden(this.def, name, refused);
    return this.deleteObject(namespace, name, options);
  }

  /** DELETE without the kind's own refusal, which (as upstream) a collection delete does not consult. */
  private async deleteObject(namespace: string, name: string, options: DeleteOptions): Promise<KubeObject | Record<string, unknown>> {
    const isNamespace = this.def.resource === 'namespaces' && this.def.group === '';
    if (isNamespace && UNDELETABLE_NAMESPACES.has(name)) throw forbidden(this.def, name, 'this namespace may not be deleted');
    const check = (current: KubeObject): void => {
      const pre = options.preconditions ?? {};
      const uid = current.metadata?.uid ?? '';
      const rv = current.metadata?.resourceVersion ?? '';
      if ((pre.uid ?? '') !== '' && pre.uid !== uid) {
        throw conflict(this.def, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${uid}`);
      }
      if ((pre.resourceVersion ?? '') !== '' && pre.resourceVersion !== rv) {
        throw conflict(this.def, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${rv}`);
      }
    };
    // Graceful deletion, finalizers and namespace termination keep the object (deletion/); otherwise it goes.
    const plan = (current: KubeObject): DeletionPlan => {
      check(current);
      if (!isNamespace) return planDeletion(this.def, current, options, Date.now());
      const p = planNamespaceDeletion(current, options.propagationPolicy, Date.now());
      if (p.action === 'already-terminating') throw conflict(this.def, name, NAMESPACE_ALREADY_TERMINATING);
      return p;
    };
    let result: KubeObject;
    let removed = false;
    try {
      const current = await this.get(namespace, name);
      const first = plan(current);
      if (options.dryRun === true) {
        result = first.action === 'update' ? first.next : current;
        removed = first.action === 'delete';
      } else if (first.action === 'delete') {
        result = await this.store.delete(
          this.key(namespace, name),
          (c) => {
            if (plan(c).action !== 'delete') throw conflict(this.def, name);
          },
          current,
        );
        this.wrote();
        removed = true;
        await this.hooks.afterDelete?.(result);
      } else {
        result = await this.store.guaranteedUpdate(
          this.key(namespace, name),
          (c) => {
            const p = plan(c);
            return p.action === 'update' ? this.withTypeMeta(p.next) : c;
          },
          current,
        );
        this.wrote(result);
        if (isNamespace) this.namespaceTerminating?.(name);
      }
    } catch (err) {
      if (isStorageError(err, 'KeyNotFound')) throw notFound(this.def, name);
      if (isStorageError(err, 'Conflict')) throw conflict(this.def, name);
      throw err;
    }
    if (this.def.deleteReturnsObject || !removed) return this.withTypeMeta(result);
    const details: Record<string, string> = { name, kind: this.def.resource };
    if (this.def.group !== '') details.group = this.def.group;
    if (result.metadata?.uid !== undefined) details.uid = result.metadata.uid;
    return successStatus(details);
  }

  async deleteCollection(namespace: string, query: ListQuery, options: DeleteOptions): Promise<ListResult> {
    const listed = await this.list(namespace, { ...query, limit: 0, continueToken: undefined });
    const items: KubeObject[] = [];
    for (const item of listed.items) {
      try {
        await this.deleteObject(item.metadata?.namespace ?? '', item.metadata?.name ?? '', options);
        items.push(item);
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
      }
    }
    return { items, resourceVersion: listed.resourceVersion };
  }

  /** Starts a watch from the cache; a resourceVersion the cache no longer holds yields a 410 Expired ApiError. */
  async watch(namespace: string, query: ListQuery, bookmarks: boolean, sink: WatchSink): Promise<CacheWatch> {
    const filter = this.filterFor(namespace, query);
    const rv = query.resourceVersion ?? '';
    await this.cache.whenReady();
    try {
      return this.cache.watch({ fromRevision: rv === '' || rv === '0' ? null : parseResourceVersion(rv), filter, bookmarks }, {
        event: (type, obj) => sink.event(type, this.typedEventObject(obj)),
        bookmark: (revision) => sink.bookmark(revision),
        closed: () => sink.closed(),
      });
    } catch (err) {
      if (err instanceof TooOldResourceVersionError) throw expired(err.message);
      throw err;
    }
  }

  /** Another resource's registry on this apiserver (the eviction subresource reads PodDisruptionBudgets). */
  peer(group: string, resource: string): ResourceRegistry | undefined {
    return this.all().find((r) => r.def.group === group && r.def.resource === resource);
  }

  /** withTypeMeta, once per cache object: every watcher of an event gets the same object (see eventJson). */
  private typedEventObject(obj: KubeObject): KubeObject {
    let typed = this.typedEvents.get(obj);
    if (typed === undefined) {
      typed = this.withTypeMeta(obj);
      this.typedEvents.set(obj, typed);
    }
    return typed;
  }

  withTypeMeta(obj: KubeObject): KubeObject {
    return { apiVersion: apiVersionOf(this.def), kind: this.def.kind, ...obj };
  }

  /**
   * Read-modify-write for subresources with their own rules (scale, binding): `change` gets a copy of the current
   * object and returns the next one; no REST merge or update validation, but generation follows spec as always.
   */
  async updateDirect(namespace: string, name: string, change: (current: KubeObject) => KubeObject): Promise<KubeObject> {
    return this.guaranteedUpdate(namespace, name, false, (current) => {
      const next = change(deepClone(current));
      const meta = { ...(next.metadata ?? {}) };
      delete meta.resourceVersion;
      if (this.def.tracksGeneration && JSON.stringify(next.spec) !== JSON.stringify(current.spec)) {
        meta.generation = (typeof current.metadata?.generation === 'number' ? current.metadata.generation : 1) + 1;
      }
      next.metadata = meta;
      return next;
    });
  }

  private async guaranteedUpdate(namespace: string, name: string, dryRun: boolean, update: (current: KubeObject) => KubeObject): Promise<KubeObject> {
    const hook = this.hooks.beforeUpdate;
    let pending: { undo: Undo; commit: Undo } | null = null;
    const withHook = async (current: KubeObject): Promise<KubeObject> => {
      await pending?.undo();
      pending = null;
      const next = update(current);
      await admission.validateUpdate(this.def, next, this.admissionObjects, current);
      if (hook !== undefined) pending = await hook(next, current, dryRun);
      return this.withTypeMeta(next);
    };
    try {
      if (dryRun) {
        const current = await this.get(namespace, name);
        const next = await withHook(current);
        // As kube-apiserver's dry run: nothing was written, so the answer keeps the stored resourceVersion.
        return this.withTypeMeta({ ...next, metadata: { ...next.metadata, resourceVersion: current.metadata?.resourceVersion } });
      }
      // Starts from the watch cache's copy, as kube-apiserver does: one Txn instead of a read and a Txn.
      const key = this.key(namespace, name);
      const written = this.withTypeMeta(await this.store.guaranteedUpdate(key, withHook, this.cache.get(key), this.lease));
      this.wrote(written);
      await (pending as { commit: Undo } | null)?.commit();
      return await this.deleteIfFinalized(namespace, name, written);
    } catch (err) {
      await (pending as { undo: Undo } | null)?.undo();
      if (isStorageError(err, 'KeyNotFound')) throw notFound(this.def, name);
      if (isStorageError(err, 'Conflict')) throw conflict(this.def, name);
      throw err;
    }
  }

  /** An update that removed the last finalizer of an object being deleted removes it, unless it changed meanwhile. */
  private async deleteIfFinalized(namespace: string, name: string, updated: KubeObject): Promise<KubeObject> {
    const pendingSpecFinalizers = this.def.resource === 'namespaces' && this.def.group === '' ? specFinalizers(updated) : [];
    if (!shouldDeleteAfterUpdate(updated, pendingSpecFinalizers)) return updated;
    const rv = updated.metadata?.resourceVersion;
    try {
      const deleted = await this.store.delete(
        this.key(namespace, name),
        (c) => {
          if (c.metadata?.resourceVersion !== rv) throw conflict(this.def, name);
        },
        updated,
      );
      this.wrote();
      await this.hooks.afterDelete?.(deleted);
      return this.withTypeMeta(deleted);
    } catch (err) {
      if (err instanceof ApiError && err.code === 409) return updated;
      if (isStorageError(err, 'KeyNotFound')) return updated;
      throw err;
    }
  }

  private fieldContext(subresource: string): FieldManagerContext {
    return { schema: schemaForKind(this.def.group, this.def.kind), apiVersion: apiVersionOf(this.def), hasStatus: this.def.hasStatus, subresource, now: nowTimestamp() };
  }

  /** `next` with managedFields crediting the writer (an Update operation) for what it changed. */
  private recorded(current: KubeObject, next: KubeObject, subresource: string, options: WriteOptions): KubeObject {
    recordUpdate(current, next, options.fieldManager ?? DEFAULT_FIELD_MANAGER, this.fieldContext(subresource));
    return next;
  }

  /** The next version of `current` given the client's object: system fields kept, status per subresource. */
  private merge(current: KubeObject, incoming: KubeObject, subresource: string): KubeObject {
    let next: KubeObject;
    if (subresource === 'status') {
      next = { ...deepClone(current), status: deepClone(incoming.status) };
    } else if (subresource === 'finalize') {
      next = applyFinalize(current, incoming);
    } else {
      next = deepClone(incoming);
      if (this.def.hasStatus) {
        if (current.status === undefined) delete next.status;
        else next.status = deepClone(current.status);
      }
    }
    const meta = { ...(next.metadata ?? {}) };
    const old = current.metadata ?? {};
    meta.name = old.name;
    if (this.def.namespaced) meta.namespace = old.namespace;
    meta.uid = old.uid;
    meta.creationTimestamp = old.creationTimestamp;
    if (old.deletionTimestamp !== undefined) meta.deletionTimestamp = old.deletionTimestamp;
    else delete meta.deletionTimestamp;
    if (old.deletionGracePeriodSeconds !== undefined) meta.deletionGracePeriodSeconds = old.deletionGracePeriodSeconds;
    else delete meta.deletionGracePeriodSeconds;
    delete meta.resourceVersion;
    if (this.def.tracksGeneration) {
      const generation = typeof old.generation === 'number' ? old.generation : 1;
      meta.generation = JSON.stringify(next.spec) === JSON.stringify(current.spec) ? generation : generation + 1;
    } else if (old.generation !== undefined) {
      meta.generation = old.generation;
    }
    next.metadata = meta;
    next.apiVersion = apiVersionOf(this.def);
    next.kind = this.def.kind;
    this.def.defaults(next);
    this.def.keepOnUpdate?.(next, current);
    const causes = [...this.metadataCauses(next), ...this.def.validate(next), ...this.def.validateUpdate(next, current)];
    const added = newFinalizersWhileDeleting(next, current);
    if (added.length > 0) {
      causes.push(cause.forbidden('metadata.finalizers', `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}`));
    }
    if (causes.length > 0) throw invalid(this.def.kind, this.def.group, meta.name ?? '', causes);
    return next;
  }

  private initializeMetadata(obj: KubeObject): void {
    const meta = obj.metadata ?? {};
    meta.uid = randomUUID();
    meta.creationTimestamp = nowTimestamp();
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.selfLink;
    if (this.def.tracksGeneration) meta.generation = 1;
    else delete meta.generation;
    obj.metadata = meta;
    obj.apiVersion = apiVersionOf(this.def);
    obj.kind = this.def.kind;
  }

  private validate(obj: KubeObject): void {
    const causes = [...this.metadataCauses(obj), ...this.def.validate(obj)];
    if (causes.length > 0) throw invalid(this.def.kind, this.def.group, obj.metadata?.name ?? '', causes);
  }

  private metadataCauses(obj: KubeObject): StatusCause[] {
    const meta = obj.metadata ?? {};
    const name = meta.name ?? '';
    const causes: StatusCause[] = [];
    if (name === '') causes.push(cause.required('metadata.name', 'name or generateName is required'));
    else causes.push(...validateName(name, nameRuleOf(this.def)));
    for (const [field, map] of [
      ['metadata.labels', meta.labels],
      ['metadata.annotations', meta.annotations],
    ] as const) {
      if (map === undefined || map === null) continue;
      if (!isPlainObject(map)) causes.push(cause.invalid(field, map, 'must be a map of strings'));
      else for (const [k, v] of Object.entries(map)) if (typeof v !== 'string') causes.push(cause.invalid(`${field}[${k}]`, v, 'must be a string'));
    }
    return causes;
  }

  private checkBody(body: unknown): KubeObject {
    if (!isPlainObject(body)) throw badRequest('the body of the request was not a JSON object');
    const obj = deepClone(body) as KubeObject;
    if (obj.metadata !== undefined && !isPlainObject(obj.metadata)) throw badRequest('metadata must be an object');
    if (typeof obj.kind === 'string' && obj.kind !== '' && obj.kind !== this.def.kind) {
      throw badRequest(`${this.def.kind} in version "${this.def.version}" cannot be handled as a ${obj.kind}: the object kind does not match the resource`);
    }
    return obj;
  }

  private checkIdentity(obj: KubeObject, namespace: string, name: string): void {
    const meta = obj.metadata ?? {};
    if ((meta.name ?? '') !== '' && meta.name !== name) throw badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
    if (this.def.namespaced && (meta.namespace ?? '') !== '' && meta.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
  }

  /**
   * NamespaceLifecycle, as kube-apiserver's plugin: the namespace from the watch cache (its lister), read from the
   * store only when the cache does not hold it (just created, or the cache not listed yet). Every create asked the
   * store before: one more call per pod and per event.
   */
  private async requireNamespace(namespace: string, name: string): Promise<void> {
    const namespaces = this.lookup('namespaces');
    if (namespaces === undefined) return;
    const ns = namespaces.cachedSinceOwnWrites('', namespace) ?? (await this.store.get(namespaces.key('', namespace)));
    if (ns === null) throw notFound(namespaces.def, namespace);
    admission.admitCreateInNamespace(this.def, name, ns);
  }

  /**
   * The object as this apiserver's watch cache holds it, provided the cache has caught up with every write this
   * apiserver made to the resource (a namespace it just marked Terminating refuses creates at once); undefined
   * otherwise, or if the cache does not hold it. Other apiservers' writes arrive with the cache's lag, as with
   * kube-apiserver's listers.
   */
  cachedSinceOwnWrites(namespace: string, name: string): KubeObject | undefined {
    if (this.cache.revision < this.ownWriteRevision) return undefined;
    return this.cache.get(this.key(namespace, name));
  }

  /** The objects of `namespace` ('' = all) as cachedSinceOwnWrites sees them: the cache if caught up, else the store. */
  async listSinceOwnWrites(namespace: string): Promise<KubeObject[]> {
    await this.cache.whenReady();
    const caughtUp = this.cache.revision >= this.ownWriteRevision;
    return (await this.list(namespace, caughtUp ? { resourceVersion: '0' } : {})).items;
  }

  /**
   * Creates the kind's built-in objects (def.builtinObjects) that do not exist, as kube-apiserver does at start;
   * another apiserver creating one first is fine. Failures are retried for 30 s, then thrown.
   */
  async ensureBuiltinObjects(logger: Logger): Promise<void> {
    for (const obj of this.def.builtinObjects?.() ?? []) {
      const namespace = obj.metadata?.namespace ?? '';
      const name = obj.metadata?.name ?? '';
      for (let attempt = 1; ; attempt++) {
        try {
          if ((await this.store.get(this.key(namespace, name))) === null) await this.create(namespace, obj);
          break;
        } catch (err) {
          if (err instanceof ApiError && err.reason === 'AlreadyExists') break;
          if (attempt >= BUILTIN_ATTEMPTS_MAX) throw err;
          logger.warn({ resource: this.def.resource, name, err: String(err) }, 'creating a built-in object failed; retrying');
          await new Promise((resolve) => setTimeout(resolve, BUILTIN_RETRY_MS));
        }
      }
    }
  }

  /**
   * Called right after a write of this resource returned, with the object written (its resourceVersion is the
   * write's revision) or, for a delete, none: the store's last write revision then (cachedSinceOwnWrites).
   */
  private wrote(written?: KubeObject): void {
    const rv = Number(written?.metadata?.resourceVersion ?? this.store.lastWriteRevision);
    this.ownWriteRevision = Math.max(this.ownWriteRevision, Number.isFinite(rv) ? rv : this.store.lastWriteRevision);
  }

  private filterFor(namespace: string, query: ListQuery): (obj: KubeObject) => boolean {
    let labels: ReturnType<typeof parseLabelSelector> = [];
    try {
      labels = parseLabelSelector(query.labelSelector ?? '');
    } catch (err) {
      if (err instanceof SelectorParseError) throw badRequest(`unable to parse requirement: ${err.message}`);
      throw err;
    }
    const fields = parseFieldSelector(query.fieldSelector ?? '', selectableFieldNames(this.def));
    const scoped = this.def.namespaced && namespace !== '';
    return (obj) =>
      (!scoped || obj.metadata?.namespace === namespace) && matchesLabels(labels, obj.metadata?.labels) && matchesFields(fields, fieldSet(this.def, obj));
  }
}

function objectKeyInPrefix(registry: ResourceRegistry, obj: KubeObject, prefix: string): boolean {
  return registry.key(obj.metadata?.namespace ?? '', obj.metadata?.name ?? '').startsWith(prefix);
}

export function parseResourceVersion(rv: string | undefined): number {
  if (rv === undefined || rv === '') return 0;
  if (!/^\d+$/.test(rv)) throw badRequest(`invalid resource version: ${JSON.stringify(rv)}`);
  const n = Number(rv);
  if (!Number.isSafeInteger(n)) throw badRequest(`invalid resource version: ${JSON.stringify(rv)}`);
  return n;
}

/** A patch the patch code refused: 400, or 409 with a cause per field for apply conflicts. */
function patchFailure(err: unknown): unknown {
  if (err instanceof ApplyConflictError) return new ApiError(409, 'Conflict', err.message, { causes: err.causes() });
  if (err instanceof PatchError) return badRequest(err.message);
  return err;
}

function randomSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += GENERATE_NAME_ALPHABET[randomInt(GENERATE_NAME_ALPHABET.length)];
  return s;
}

/** A list with a label or field selector (the store cannot count what is left of it). */
function selective(query: ListQuery): boolean {
  return (query.labelSelector ?? '') !== '' || (query.fieldSelector ?? '') !== '';
}

/** A list served from the watch cache: resourceVersion "0", not a continuation. */
function fromCache(query: ListQuery): boolean {
  return query.resourceVersion === '0' && (query.continueToken ?? '') === '';
}

function jsonBytes(obj: unknown): Buffer {
  return Buffer.from(JSON.stringify(obj), 'utf8');
}

/** A store list's page as the registry answers it. */
function listResult<T>(res: { revision: number; continueToken?: string; remainingItemCount?: number }, items: T[]): ListResult<T> {
  const out: ListResult<T> = { items, resourceVersion: String(res.revision) };
  if (res.continueToken !== undefined) out.continueToken = res.continueToken;
  if (res.remainingItemCount !== undefined) out.remainingItemCount = res.remainingItemCount;
  return out;
}

/** A store failure of a list as the API reports it. */
function storeListError(err: unknown, query: ListQuery): unknown {
  if (isStorageError(err, 'InvalidContinue')) return badRequest(err.message);
  if (isStorageError(err, 'Compacted')) {
    return expired(
      (query.continueToken ?? '') !== ''
        ? 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.'
        : `The resourceVersion for the provided list is too old.`,
    );
  }
  return err;
}
