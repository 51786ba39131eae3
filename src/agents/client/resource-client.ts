// Typed operations on one resource over the ApiServer gRPC service: objects in and out as parsed JSON, options as
// Kubernetes names them. Watches are callbacks on a stream on the current endpoint; a failed stream ends with
// closed(error) and the caller (the reflector) decides how to resume.
import * as grpc from '@grpc/grpc-js';
import { EVENT_TYPES, type ListResponseMsg, type WatchEventMsg, type WireEventType } from '../../apiserver/grpc/index.ts';
import type { ApiClient } from './api-client.ts';
import { StatusError, type StatusObject } from './errors.ts';

export interface ResourceRef {
  /** "" for the core group. */
  group: string;
  version: string;
  /** Plural: "pods", "leases". */
  resource: string;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: '' | 'Exact' | 'NotOlderThan';
}

export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
  continue: string;
  remainingItemCount?: number;
}

export interface WriteOptions {
  dryRun?: boolean;
  /** Recorded in managedFields (required for apply patches); default: the gRPC user agent's product. */
  fieldManager?: string;
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';
const PATCH_TYPE_NUMBERS: Record<PatchType, number> = { json: 1, merge: 2, strategic: 3, apply: 4 };

export interface DeleteOptions {
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  gracePeriodSeconds?: number;
  dryRun?: boolean;
}

export interface WatchOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** Resume after this resourceVersion; "" or "0": every current object first, as ADDED. */
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
}

export type WatchEvent<T> =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: T }
  | { type: 'BOOKMARK'; resourceVersion: string }
  | { type: 'ERROR'; status: StatusObject };

export interface WatchHandlers<T> {
  event(event: WatchEvent<T>): void;
  /** The stream ended: null when the server ended it cleanly (timeout, cache relist), else why it failed. */
  closed(error: StatusError | null): void;
}

export interface WatchHandle {
  stop(): void;
}

export class ResourceClient<T extends object = Record<string, unknown>> {
  constructor(
    readonly api: ApiClient,
    readonly ref: ResourceRef,
  ) {}

  async get(namespace: string, name: string): Promise<T> {
    return parse<T>((await this.api.call<{ object: Buffer }>('Get', { resource: this.ref, namespace, name })).object);
  }

  /** GET of a subresource: "status" (the object) or one the resource serves ("scale"). */
  async getSubresource<S = Record<string, unknown>>(namespace: string, name: string, subresource: string): Promise<S> {
    return parse<S>((await this.api.call<{ object: Buffer }>('Get', { resource: this.ref, namespace, name, subresource })).object);
  }

  /** POST to a subresource of an existing object: a Binding to pods/binding, an Eviction to pods/eviction. */
  async createSubresource<S = Record<string, unknown>>(namespace: string, name: string, subresource: string, body: unknown, options: WriteOptions = {}): Promise<S> {
    const request = { resource: this.ref, namespace, name, subresource, object: bytes(body), ...writeFields(options) };
    return parse<S>((await this.api.call<{ object: Buffer }>('Create', request)).object);
  }

  /** PUT of a subresource the resource serves (a Scale to deployments/scale). */
  async updateSubresource<S = Record<string, unknown>>(namespace: string, name: string, subresource: string, body: unknown, options: WriteOptions = {}): Promise<S> {
    const request = { resource: this.ref, namespace, name, subresource, object: bytes(body), ...writeFields(options) };
    return parse<S>((await this.api.call<{ object: Buffer }>('Update', request)).object);
  }

  async list(namespace: string, options: ListOptions = {}): Promise<ListResult<T>> {
    const res = await this.api.call<ListResponseMsg>('List', { resource: this.ref, namespace, options: listOptions(options) });
    const out: ListResult<T> = { items: res.items.map((b) => parse<T>(b)), resourceVersion: res.resource_version, continue: res.continue };
    if (res.remaining_item_count !== null) out.remainingItemCount = Number(res.remaining_item_count.value);
    return out;
  }

  async create(namespace: string, object: T, options: WriteOptions = {}): Promise<T> {
    return this.objectCall('Create', { namespace, object: bytes(object), ...writeFields(options) });
  }

  async update(namespace: string, name: string, object: T, options: WriteOptions = {}): Promise<T> {
    return this.objectCall('Update', { namespace, name, object: bytes(object), ...writeFields(options) });
  }

  async updateStatus(namespace: string, name: string, object: T, options: WriteOptions = {}): Promise<T> {
    return this.objectCall('UpdateStatus', { namespace, name, object: bytes(object), ...writeFields(options) });
  }

  /** `patch` is sent as JSON, or as it is when a string (an apply patch may be YAML). */
  async patch(namespace: string, name: string, type: PatchType, patch: unknown, options: WriteOptions & { subresource?: string; force?: boolean } = {}): Promise<T> {
    return this.objectCall('Patch', {
      namespace,
      name,
      type: PATCH_TYPE_NUMBERS[type],
      patch: Buffer.from(typeof patch === 'string' ? patch : JSON.stringify(patch), 'utf8'),
      subresource: options.subresource ?? '',
      force: options.force ?? false,
      ...writeFields(options),
    });
  }

  /** The deleted object, or the Success Status for kinds whose deletion answers one. */
  async delete(namespace: string, name: string, options: DeleteOptions = {}): Promise<T | StatusObject> {
    const wire: Record<string, unknown> = { propagation_policy: options.propagationPolicy ?? '', dry_run: options.dryRun ?? false };
    if (options.preconditions !== undefined) {
      wire.preconditions = { uid: options.preconditions.uid ?? '', resource_version: options.preconditions.resourceVersion ?? '' };
    }
    if (options.gracePeriodSeconds !== undefined) wire.grace_period_seconds = { value: options.gracePeriodSeconds };
    return this.objectCall('Delete', { namespace, name, options: wire });
  }

  watch(namespace: string, options: WatchOptions, handlers: WatchHandlers<T>): WatchHandle {
    let ended = false;
    const end = (error: StatusError | null): void => {
      if (ended) return;
      ended = true;
      handlers.closed(error);
    };
    let call: grpc.ClientReadableStream<unknown>;
    try {
      const opened = this.api.stream('Watch', {
        resource: this.ref,
        namespace,
        options: listOptions(options),
        allow_watch_bookmarks: options.allowWatchBookmarks ?? false,
        timeout_seconds: options.timeoutSeconds ?? 0,
      });
      call = opened.stream;
      call.on('error', (err: grpc.ServiceError) => {
        if (err.code === grpc.status.UNAVAILABLE) this.api.failedOver(opened.address);
        end(StatusError.fromGrpc(err));
      });
    } catch (err) {
      queueMicrotask(() => end(err instanceof StatusError ? err : null));
      return { stop: () => {} };
    }
    call.on('data', (msg: WatchEventMsg) => {
      if (ended) return;
      const type = EVENT_TYPES[msg.type] as WireEventType | '';
      const object = parse<Record<string, unknown>>(msg.object);
      if (type === 'BOOKMARK') {
        const meta = object.metadata as { resourceVersion?: string } | undefined;
        handlers.event({ type, resourceVersion: meta?.resourceVersion ?? '' });
      } else if (type === 'ERROR') handlers.event({ type, status: object as unknown as StatusObject });
      else if (type !== '') handlers.event({ type, object: object as T });
    });
    call.on('end', () => end(null));
    return {
      stop: () => {
        if (ended) return;
        ended = true;
        call.cancel();
      },
    };
  }

  private async objectCall(method: string, request: Record<string, unknown>): Promise<T> {
    return parse<T>((await this.api.call<{ object: Buffer }>(method, { resource: this.ref, ...request })).object);
  }
}

function listOptions(o: ListOptions & WatchOptions): Record<string, unknown> {
  return {
    label_selector: o.labelSelector ?? '',
    field_selector: o.fieldSelector ?? '',
    limit: o.limit ?? 0,
    continue: o.continue ?? '',
    resource_version: o.resourceVersion ?? '',
    resource_version_match: o.resourceVersionMatch ?? '',
  };
}

function writeFields(options: WriteOptions): Record<string, unknown> {
  return { dry_run: options.dryRun ?? false, field_manager: options.fieldManager ?? '' };
}

function bytes(object: unknown): Buffer {
  return Buffer.from(JSON.stringify(object), 'utf8');
}

function parse<T>(buf: Buffer): T {
  return JSON.parse(buf.toString('utf8')) as T;
}
