// The ApiServer gRPC service: each call resolves its resource to a ResourceRegistry, parses the JSON object bytes
// and calls the same registry method the REST API calls. Every failure leaves through failCall (one Status → gRPC
// mapping, status-codes.ts).
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../common/logger.ts';
import { userOf } from '../auth/request-user.ts';
import { parseJsonBody } from '../rest/http-util.ts';
import { PATCH_CONTENT_TYPES, type PatchType } from '../rest/patch.ts';
import type { DeleteOptions, ResourceRegistry } from '../rest/registry.ts';
import { ApiError, badRequest, internalError, pathNotFound, unsupportedMediaType } from '../rest/status.ts';
import { parseApplyBody, writeOptions, type WriteOptions } from '../rest/write-options.ts';
import { grpcErrorOf } from './status-codes.ts';
import { listQueryOf } from './list-options.ts';
import { getMetrics, isMetricsRef, listMetrics } from './metrics-calls.ts';
import { callSubresource } from './subresource-calls.ts';
import { watchOverGrpc } from './watch-stream.ts';
import {
  PATCH_TYPES,
  type CreateRequestMsg,
  type DeleteOptionsMsg,
  type DeleteRequestMsg,
  type GetRequestMsg,
  type ListRequestMsg,
  type ListResponseMsg,
  type PatchRequestMsg,
  type ResourceRefMsg,
  type UpdateRequestMsg,
  type WatchRequestMsg,
} from './wire.ts';

type Unary<Req, Res> = (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => void;
type Run<Req, Res> = (req: Req, call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res>;
const APPLY_PATCH = 'application/apply-patch+yaml';
type ObjectReply = { object: Buffer };

export function createApiserverHandlers(registries: readonly ResourceRegistry[], logger: Logger): grpc.UntypedServiceImplementation {
  const byResource = new Map(registries.map((r) => [`${r.def.group}/${r.def.version}/${r.def.resource}`, r]));
  const resolve = (ref: ResourceRefMsg | null, namespace: string, scope: 'object' | 'collection'): ResourceRegistry => {
    const registry = ref === null ? undefined : byResource.get(`${ref.group}/${ref.version}/${ref.resource}`);
    if (registry === undefined) throw pathNotFound();
    // As the REST paths: an object of a namespaced resource needs its namespace, a cluster-scoped one has none.
    if (!registry.def.namespaced && namespace !== '') throw pathNotFound();
    if (registry.def.namespaced && namespace === '' && scope === 'object') throw pathNotFound();
    return registry;
  };
  const fail = (err: unknown, method: string): Partial<grpc.ServiceError> => failCall(err, method, logger);
  const unary = <Req, Res>(method: string, run: Run<Req, Res>): Unary<Req, Res> => (call, callback) => {
    Promise.resolve()
      .then(() => run(call.request, call))
      .then(
        (res) => callback(null, res),
        (err: unknown) => callback(fail(err, method)),
      );
  };

  const handlers: Record<string, Unary<never, unknown> | ((call: grpc.ServerWritableStream<WatchRequestMsg, unknown>) => void)> = {
    Get: unary<GetRequestMsg, ObjectReply>('Get', async (req) => {
      if (isMetricsRef(req.resource)) return json(await getMetrics(registries, req.resource!, req.namespace, req.name));
      const registry = resolve(req.resource, req.namespace, 'object');
      if (req.subresource === '' || (req.subresource === 'status' && registry.def.hasStatus)) return json(await registry.get(req.namespace, req.name));
      return json(await callSubresource(registry, { namespace: req.namespace, name: req.name, subresource: req.subresource, method: 'GET' }));
    }),
    List: unary<ListRequestMsg, Partial<ListResponseMsg>>('List', async (req) => {
      if (isMetricsRef(req.resource)) {
        const items = await listMetrics(registries, req.resource!, req.namespace, req.options?.label_selector ?? '');
        return { items: items.map((i) => json(i).object), resource_version: '', continue: '' };
      }
      const registry = resolve(req.resource, req.namespace, 'collection');
      const res = await registry.listJson(req.namespace, listQueryOf(req.options, false));
      const out: Partial<ListResponseMsg> = {
        items: res.items,
        resource_version: res.resourceVersion,
        continue: res.continueToken ?? '',
      };
      if (res.remainingItemCount !== undefined) out.remaining_item_count = { value: res.remainingItemCount };
      return out;
    }),
    Create: unary<CreateRequestMsg, ObjectReply>('Create', async (req, call) => {
      if (req.subresource !== '') {
        const registry = resolve(req.resource, req.namespace, 'object');
        const sub = { namespace: req.namespace, name: req.name, subresource: req.subresource, method: 'POST' as const, body: req.object, dryRun: req.dry_run };
        return json(await callSubresource(registry, sub));
      }
      const registry = resolve(req.resource, req.namespace, 'collection');
      const options = managerOptions('Create', req.field_manager, false, call);
      return json(await registry.create(req.namespace, objectOf(req.object), req.dry_run, options));
    }),
    Update: unary<UpdateRequestMsg, ObjectReply>('Update', async (req, call) => {
      const registry = resolve(req.resource, req.namespace, 'object');
      if (req.subresource === 'status' && !registry.def.hasStatus) throw pathNotFound();
      // namespaces/finalize is an update of the namespace itself (the registry applies it), as over REST.
      const isFinalize = req.subresource === 'finalize' && registry.def.group === '' && registry.def.resource === 'namespaces';
      if (req.subresource !== '' && req.subresource !== 'status' && !isFinalize) {
        const sub = { namespace: req.namespace, name: req.name, subresource: req.subresource, method: 'PUT' as const, body: req.object, dryRun: req.dry_run };
        return json(await callSubresource(registry, sub));
      }
      const options = managerOptions('Update', req.field_manager, false, call);
      return json(await registry.update(req.namespace, req.name, objectOf(req.object), req.subresource, req.dry_run, options));
    }),
    UpdateStatus: unary<UpdateRequestMsg, ObjectReply>('UpdateStatus', async (req, call) => {
      const registry = resolve(req.resource, req.namespace, 'object');
      if (!registry.def.hasStatus) throw pathNotFound();
      const options = managerOptions('Update', req.field_manager, false, call);
      return json(await registry.update(req.namespace, req.name, objectOf(req.object), 'status', req.dry_run, options));
    }),
    Patch: unary<PatchRequestMsg, ObjectReply>('Patch', async (req, call) => {
      const registry = resolve(req.resource, req.namespace, 'object');
      const type = PATCH_TYPES[req.type] ?? '';
      if (req.subresource !== '' && !(req.subresource === 'status' && registry.def.hasStatus)) {
        const sub = { namespace: req.namespace, name: req.name, subresource: req.subresource, method: 'PATCH' as const, body: req.patch, patchType: type, dryRun: req.dry_run };
        return json(await callSubresource(registry, sub));
      }
      if (type === APPLY_PATCH) {
        const options = managerOptions('Patch', req.field_manager, req.force, call, true) as { fieldManager: string; force: boolean };
        const config = parseApplyBody(req.patch);
        if (config === undefined || config === null) throw badRequest('the body of the request was empty');
        return json((await registry.apply(req.namespace, req.name, config, options, req.subresource, req.dry_run)).object);
      }
      if (!(PATCH_CONTENT_TYPES as readonly string[]).includes(type)) {
        throw unsupportedMediaType([...PATCH_CONTENT_TYPES.slice(0, 2), APPLY_PATCH, PATCH_CONTENT_TYPES[2]]);
      }
      const patch = parseJsonBody(req.patch);
      if (patch === undefined) throw badRequest('the body of the request was empty');
      const options = managerOptions('Patch', req.field_manager, req.force, call);
      return json(await registry.patch(req.namespace, req.name, type as PatchType, patch, req.subresource, req.dry_run, options));
    }),
    Delete: unary<DeleteRequestMsg, ObjectReply>('Delete', async (req) => {
      const registry = resolve(req.resource, req.namespace, 'object');
      return json(await registry.delete(req.namespace, req.name, deleteOptionsOf(req.options)));
    }),
    Watch: (call: grpc.ServerWritableStream<WatchRequestMsg, unknown>) => {
      const req = call.request;
      Promise.resolve()
        .then(() => watchOverGrpc(resolve(req.resource, req.namespace, 'collection'), req, call))
        .catch((err: unknown) => call.emit('error', fail(err, 'Watch')));
    },
  };
  return handlers as grpc.UntypedServiceImplementation;
}

/** The one exit for errors: an ApiError keeps its Status; anything else is a 500 InternalError (and logged). */
export function failCall(err: unknown, method: string, logger: Logger): Partial<grpc.ServiceError> {
  if (!(err instanceof ApiError)) logger.error({ err: err instanceof Error ? err.stack : String(err), method }, 'grpc call failed');
  return grpcErrorOf((err instanceof ApiError ? err : internalError(err)).toStatus());
}

/** fieldManager and force, checked as the REST API checks its query parameters (same errors, same defaults). */
function managerOptions(verb: 'Create' | 'Update' | 'Patch', fieldManager: string, force: boolean, call: grpc.ServerUnaryCall<unknown, unknown>, apply = false): WriteOptions {
  const q = new URLSearchParams();
  if (fieldManager !== '') q.set('fieldManager', fieldManager);
  if (force) q.set('force', 'true');
  const userAgent = call.metadata.get('user-agent')[0];
  return writeOptions(verb, q, typeof userAgent === 'string' ? userAgent : undefined, apply, userOf(call));
}

function json(obj: unknown): ObjectReply {
  return { object: Buffer.from(JSON.stringify(obj), 'utf8') };
}

function objectOf(bytes: Buffer): unknown {
  const parsed = parseJsonBody(bytes);
  if (parsed === undefined) throw badRequest('the body of the request was empty');
  return parsed;
}

const PROPAGATION_POLICIES = ['Orphan', 'Background', 'Foreground'];

function deleteOptionsOf(msg: DeleteOptionsMsg | null): DeleteOptions {
  const options: DeleteOptions = { dryRun: msg?.dry_run ?? false };
  if (msg === null) return options;
  if (msg.propagation_policy !== '') {
    if (!PROPAGATION_POLICIES.includes(msg.propagation_policy)) {
      throw badRequest(
        `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${msg.propagation_policy}": supported values: "Foreground", "Background", "Orphan", "nil"`,
      );
    }
    options.propagationPolicy = msg.propagation_policy;
  }
  if (msg.grace_period_seconds !== null) options.gracePeriodSeconds = Number(msg.grace_period_seconds.value);
  const pre = msg.preconditions;
  if (pre !== null) {
    options.preconditions = {};
    if (pre.uid !== '') options.preconditions.uid = pre.uid;
    if (pre.resource_version !== '') options.preconditions.resourceVersion = pre.resource_version;
  }
  return options;
}
