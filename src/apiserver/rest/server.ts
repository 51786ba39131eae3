// The HTTP front: routes requests to discovery, health, OpenAPI and the resource registries, and renders replies
// (objects, lists, Tables, Status errors, chunked watch streams). A plain (req, res) handler, so the same routing can
// sit behind node:http today and node:http2's compatibility API later.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../common/logger.ts';
import { userOf } from '../auth/request-user.ts';
import type { KubeObject } from '../types.ts';
import { coreVersions, group, groupList, resourceList, SERVER_VERSION, versionInfo } from './discovery.ts';
import { mediaType, negotiate, parseJsonBody, readBody, sendJson, sendText, type Representation } from './http-util.ts';
import { buildOpenApiDocuments, fieldValidationMode, validateFields, warningHeaders, type OpenApiDocuments, type WriteVerb } from '../openapi/index.ts';
import { APPLY_PATCH_CONTENT_TYPE, PATCH_CONTENT_TYPES, type PatchType } from './patch.ts';
import { decodeKubernetesProtobuf, PROTOBUF_CONTENT_TYPE } from './protobuf.ts';
import type { DeleteOptions, ListQuery, ListResult, ResourceRegistry } from './registry.ts';
import { apiVersionOf, type ResourceDef } from './resources.ts';
import { ApiError, badRequest, internalError, methodNotAllowed, pathNotFound, unsupportedMediaType } from './status.ts';
import { buildTable, partialObjectMetadata, type IncludeObject } from './table.ts';
import { subresourceHandler } from './subresources/index.ts';
import { servePodLog } from './subresources/log.ts';
import { serveStreamingCall, STREAMING_SUBRESOURCES } from './subresources/stream-proxy.ts';
import { METRICS_GROUP, serveMetricsGroup, withMetricsGroup } from '../metrics-api/index.ts';
import { watchOverHttp } from './watch-http.ts';
import { parseApplyBody, writeOptions } from './write-options.ts';

export interface HealthCheck {
  name: string;
  check(): Promise<void>;
}

export interface RestContext {
  registries: readonly ResourceRegistry[];
  logger: Logger;
  /** host:port clients reach us at, for /api's serverAddressByClientCIDRs. */
  serverAddress(): string;
  livez: readonly HealthCheck[];
  readyz: readonly HealthCheck[];
  /** Watches without timeoutSeconds end after a random time in [min, 2*min), as kube-apiserver's do. */
  minRequestTimeoutMs?: number;
  /** Built from the registries when not given. */
  openapi?: OpenApiDocuments;
}

interface Target {
  registry: ResourceRegistry;
  namespace: string;
  name: string;
  subresource: string;
}

const DEFAULT_MIN_REQUEST_TIMEOUT_MS = 1_800_000;

export function createRequestHandler(ctx: RestContext): (req: IncomingMessage, res: ServerResponse) => void {
  const defs = ctx.registries.map((r) => r.def);
  ctx = { ...ctx, openapi: ctx.openapi ?? buildOpenApiDocuments(defs, 'Kubernetes', SERVER_VERSION.gitVersion) };
  const byResource = new Map<string, ResourceRegistry>(ctx.registries.map((r) => [`${r.def.group}/${r.def.version}/${r.def.resource}`, r]));
  return (req, res) => {
    handle(ctx, defs, byResource, req, res).catch((err: unknown) => {
      const apiError = err instanceof ApiError ? err : internalError(err);
      if (!(err instanceof ApiError)) ctx.logger.error({ err: err instanceof Error ? err.stack : String(err), url: req.url }, 'request failed');
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendJson(res, apiError.code, apiError.toStatus());
    });
  };
}

async function handle(
  ctx: RestContext,
  defs: readonly ResourceDef[],
  byResource: Map<string, ResourceRegistry>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://apiserver');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const method = req.method ?? 'GET';
  const segments = path.split('/').filter((s) => s !== '').map(decodeURIComponent);

  if (segments[0] === 'api' || segments[0] === 'apis') {
    const isCore = segments[0] === 'api';
    const groupName = isCore ? '' : (segments[1] ?? '');
    const version = isCore ? segments[1] : segments[2];
    const rest = segments.slice(isCore ? 2 : 3);
    const pods = byResource.get('/v1/pods');
    const nodes = byResource.get('/v1/nodes');
    // metrics.k8s.io is not stored: built from the kubelets' stats on request (metrics-api/).
    if (groupName === METRICS_GROUP && pods !== undefined && nodes !== undefined) {
      return sendJson(res, 200, await serveMetricsGroup(pods, nodes, version, rest, method, url.searchParams));
    }
    if (version === undefined) {
      if (method !== 'GET') throw methodNotAllowed();
      if (isCore) return sendJson(res, 200, coreVersions(ctx.serverAddress()));
      if (segments.length === 1) return sendJson(res, 200, withMetricsGroup(groupList(defs)));
      const g = group(defs, groupName);
      if (g === null) throw pathNotFound();
      return sendJson(res, 200, g);
    }
    if (rest.length === 0) {
      if (method !== 'GET') throw methodNotAllowed();
      const list = resourceList(defs, groupName, version);
      if (list === null) throw pathNotFound();
      return sendJson(res, 200, list);
    }
    const target = resolveTarget(byResource, groupName, version, rest);
    if (target === null) throw pathNotFound();
    // pods/log, exec, attach and portforward are served by the node's kubelet rather than from the store.
    if (target.registry === pods && target.subresource === 'log' && target.name !== '' && nodes !== undefined) {
      return servePodLog(pods, nodes, target.namespace, target.name, method, url.searchParams, req, res);
    }
    if (target.registry === pods && STREAMING_SUBRESOURCES.includes(target.subresource) && target.name !== '' && nodes !== undefined) {
      return serveStreamingCall(pods, nodes, target.namespace, target.name, target.subresource, method, url.searchParams, req, res);
    }
    return serveResource(ctx, target, method, url, req, res);
  }
  if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed();
  switch (segments[0]) {
    case 'version':
      return sendJson(res, 200, versionInfo());
    case 'healthz':
    case 'livez':
    case 'readyz':
      return serveHealth(segments[0] === 'readyz' ? ctx.readyz : ctx.livez, url, res, segments.slice(1), segments[0]);
    case 'openapi':
      return serveOpenApi(ctx.openapi!, segments.slice(1), req, res);
    default:
      throw pathNotFound();
  }
}

function serveOpenApi(docs: OpenApiDocuments, rest: string[], req: IncomingMessage, res: ServerResponse): void {
  if (rest[0] === 'v2' && rest.length === 1) {
    if ((req.headers.accept ?? '').includes('protobuf')) {
      const doc = docs.v2Protobuf();
      // kube-apiserver labels it application/octet-stream: Go's mime parser rejects the '@' in the requested type.
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': doc.length });
      res.end(doc);
      return;
    }
    return sendJson(res, 200, docs.v2());
  }
  if (rest[0] === 'v3' && rest.length === 1) return sendJson(res, 200, docs.v3Index());
  const gvDoc = rest[0] === 'v3' ? docs.v3(rest.slice(1).join('/')) : undefined;
  if (gvDoc === undefined) throw pathNotFound();
  return sendJson(res, 200, gvDoc);
}

/** Checks the body's fields against the OpenAPI schema (pruning unknown ones) and queues Warning headers. */
function checkFields(c: Call, body: unknown, raw: { text: string }, verb: WriteVerb): void {
  // Other subresources (scale, binding, eviction) carry other kinds, validated by their own handlers.
  if (!['', 'status', 'finalize'].includes(c.t.subresource)) return;
  const def = c.t.registry.def;
  const warnings = validateFields(c.ctx.openapi!, def, body, raw.text, fieldValidationMode(c.q, verb), verb);
  if (warnings.length > 0) c.res.setHeader('Warning', warningHeaders(warnings));
}

/** Maps the path after /api/v1 or /apis/<g>/<v> to a resource, namespace, name and subresource. */
function resolveTarget(byResource: Map<string, ResourceRegistry>, groupName: string, version: string, rest: string[]): Target | null {
  if (rest.some((segment) => segment.includes('/'))) return null; // an escaped slash must not reach a storage key
  const find = (resource: string) => byResource.get(`${groupName}/${version}/${resource}`);
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const namespaced = find(rest[2]);
    if (namespaced !== undefined && namespaced.def.namespaced) {
      if (rest.length > 5) return null;
      return { registry: namespaced, namespace: rest[1], name: rest[3] ?? '', subresource: rest[4] ?? '' };
    }
  }
  const registry = find(rest[0]);
  if (registry === undefined || rest.length > 3) return null;
  if (registry.def.namespaced && rest.length > 1) return null; // a namespaced object needs /namespaces/<ns>/
  return { registry, namespace: '', name: rest[1] ?? '', subresource: rest[2] ?? '' };
}

/** What every handler of one request needs, parsed once. */
interface Call {
  ctx: RestContext;
  t: Target;
  q: URLSearchParams;
  req: IncomingMessage;
  res: ServerResponse;
  dryRun: boolean;
  representation: Representation;
  includeObject: IncludeObject;
}

async function serveResource(ctx: RestContext, t: Target, method: string, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const q = url.searchParams;
  const isFinalize = t.subresource === 'finalize' && t.registry.def.resource === 'namespaces' && t.registry.def.group === '';
  if (subresourceHandler(t.registry.def, t.subresource) !== undefined) return serveSubresource(t, method, q, req, res);
  if (t.subresource !== '' && !(t.subresource === 'status' && t.registry.def.hasStatus) && !isFinalize) throw pathNotFound();
  if (isFinalize && method !== 'PUT') throw methodNotAllowed();
  const call: Call = {
    ctx,
    t,
    q,
    req,
    res,
    dryRun: q.getAll('dryRun').includes('All'),
    representation: negotiate(req.headers.accept),
    includeObject: (q.get('includeObject') ?? 'Metadata') as IncludeObject,
  };
  return t.name === '' ? serveCollection(call, method) : serveObject(call, method);
}

/** scale, binding, eviction: each handled by its own file under subresources/. */
async function serveSubresource(t: Target, method: string, q: URLSearchParams, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const handler = t.name === '' ? undefined : subresourceHandler(t.registry.def, t.subresource);
  if (handler === undefined) throw pathNotFound();
  const reply = await handler({
    registry: t.registry,
    namespace: t.namespace,
    name: t.name,
    method,
    body: async () => (method === 'PATCH' ? parseJsonBody(await readBody(req)) : jsonBody(req)),
    patchType: mediaType(req.headers['content-type']),
    dryRun: q.getAll('dryRun').includes('All'),
  });
  return sendJson(res, reply.code, reply.body);
}

async function serveCollection(c: Call, method: string): Promise<void> {
  const { t, q, req, res } = c;
  const registry = t.registry;
  const query = listQuery(q);
  switch (method) {
    case 'GET':
      if (q.get('watch') === 'true' || q.get('watch') === '1') {
        const timeoutSeconds = q.get('timeoutSeconds');
        const min = c.ctx.minRequestTimeoutMs ?? DEFAULT_MIN_REQUEST_TIMEOUT_MS;
        const timeoutMs = timeoutSeconds !== null && /^\d+$/.test(timeoutSeconds) ? Number(timeoutSeconds) * 1000 : min + Math.floor(Math.random() * min);
        return watchOverHttp(registry, t.namespace, query, {
          bookmarks: q.get('allowWatchBookmarks') === 'true',
          timeoutMs,
          representation: c.representation,
          includeObject: c.includeObject,
          req,
          res,
        });
      }
      return sendJson(res, 200, renderList(registry, await registry.list(t.namespace, query), c.representation, c.includeObject));
    case 'POST': {
      const raw = { text: '' };
      const body = await jsonBody(req, raw);
      checkFields(c, body, raw, 'create');
      const created = await registry.create(t.namespace, body, c.dryRun, writeOptions('Create', q, req.headers['user-agent'], false, userOf(req)));
      return sendJson(res, c.dryRun ? 200 : 201, render(registry, created, c.representation, c.includeObject));
    }
    case 'DELETE': {
      const deleted = await registry.deleteCollection(t.namespace, query, deleteOptions(await jsonBody(req), q, c.dryRun));
      return sendJson(res, 200, renderList(registry, deleted, { as: 'object' }, c.includeObject));
    }
    default:
      throw methodNotAllowed();
  }
}

async function serveObject(c: Call, method: string): Promise<void> {
  const { t, q, req, res } = c;
  const registry = t.registry;
  switch (method) {
    case 'GET':
      return sendJson(res, 200, render(registry, await registry.get(t.namespace, t.name), c.representation, c.includeObject));
    case 'PUT': {
      const raw = { text: '' };
      const body = await jsonBody(req, raw);
      checkFields(c, body, raw, 'update');
      const updated = await registry.update(t.namespace, t.name, body, t.subresource, c.dryRun, writeOptions('Update', q, req.headers['user-agent'], false, userOf(req)));
      return sendJson(res, 200, render(registry, updated, c.representation, c.includeObject));
    }
    case 'PATCH': {
      const type = mediaType(req.headers['content-type']) as PatchType;
      if ((type as string) === APPLY_PATCH_CONTENT_TYPE) {
        const options = writeOptions('Patch', q, req.headers['user-agent'], true, userOf(req)) as { fieldManager: string; force: boolean };
        const config = parseApplyBody(await readBody(req));
        if (config === undefined || config === null) throw badRequest('the body of the request was empty');
        checkFields(c, config, { text: '' }, 'patch');
        const applied = await registry.apply(t.namespace, t.name, config, options, t.subresource, c.dryRun);
        return sendJson(res, applied.created && !c.dryRun ? 201 : 200, render(registry, applied.object, c.representation, c.includeObject));
      }
      if (!(PATCH_CONTENT_TYPES as readonly string[]).includes(type)) {
        throw unsupportedMediaType([...PATCH_CONTENT_TYPES.slice(0, 2), 'application/apply-patch+yaml', PATCH_CONTENT_TYPES[2]]);
      }
      const patch = parseJsonBody(await readBody(req));
      if (patch === undefined) throw badRequest('the body of the request was empty');
      if (type !== 'application/json-patch+json') checkFields(c, patch, { text: '' }, 'patch');
      const patched = await registry.patch(t.namespace, t.name, type, patch, t.subresource, c.dryRun, writeOptions('Patch', q, req.headers['user-agent'], false, userOf(req)));
      return sendJson(res, 200, render(registry, patched, c.representation, c.includeObject));
    }
    case 'DELETE':
      if (t.subresource !== '') throw methodNotAllowed();
      return sendJson(res, 200, await registry.delete(t.namespace, t.name, deleteOptions(await jsonBody(req), q, c.dryRun)));
    default:
      throw methodNotAllowed();
  }
}

async function jsonBody(req: IncomingMessage, raw?: { text: string }): Promise<unknown> {
  const type = mediaType(req.headers['content-type']);
  const body = await readBody(req);
  if (raw !== undefined && type !== PROTOBUF_CONTENT_TYPE) raw.text = body.toString('utf8');
  if (body.length > 0 && type === PROTOBUF_CONTENT_TYPE) return decodeKubernetesProtobuf(body);
  if (body.length > 0 && type !== '' && type !== 'application/json' && type !== '*/*') throw unsupportedMediaType(['application/json', PROTOBUF_CONTENT_TYPE]);
  return parseJsonBody(body);
}

function listQuery(q: URLSearchParams): ListQuery {
  const limit = q.get('limit');
  if (limit !== null && !/^\d+$/.test(limit)) throw badRequest(`invalid limit: ${limit}`);
  return {
    labelSelector: q.get('labelSelector') ?? undefined,
    fieldSelector: q.get('fieldSelector') ?? undefined,
    limit: limit === null ? undefined : Number(limit),
    continueToken: q.get('continue') ?? undefined,
    resourceVersion: q.get('resourceVersion') ?? undefined,
  };
}

function deleteOptions(body: unknown, q: URLSearchParams, dryRun: boolean): DeleteOptions {
  const b = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const options: DeleteOptions = { dryRun: dryRun || (Array.isArray(b.dryRun) && b.dryRun.includes('All')) };
  const policy = (b.propagationPolicy as string | undefined) ?? q.get('propagationPolicy') ?? undefined;
  if (policy !== undefined) {
    if (!['Orphan', 'Background', 'Foreground'].includes(policy)) {
      throw badRequest(`DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan", "nil"`);
    }
    options.propagationPolicy = policy;
  }
  const grace = b.gracePeriodSeconds ?? q.get('gracePeriodSeconds');
  if (grace !== undefined && grace !== null) options.gracePeriodSeconds = Number(grace);
  if (typeof b.preconditions === 'object' && b.preconditions !== null) options.preconditions = b.preconditions as DeleteOptions['preconditions'];
  return options;
}

function render(registry: ResourceRegistry, obj: KubeObject, representation: Representation, includeObject: IncludeObject): unknown {
  if (representation.as === 'Table') return buildTable(registry.def.printer, [obj], { includeObject, resourceVersion: obj.metadata?.resourceVersion });
  if (representation.as === 'PartialObjectMetadata') return partialObjectMetadata(obj);
  return obj;
}

function renderList(registry: ResourceRegistry, list: ListResult, representation: Representation, includeObject: IncludeObject): unknown {
  const meta: Record<string, unknown> = { resourceVersion: list.resourceVersion };
  if (list.continueToken !== undefined) meta.continue = list.continueToken;
  if (list.remainingItemCount !== undefined) meta.remainingItemCount = list.remainingItemCount;
  if (representation.as === 'Table') {
    return buildTable(registry.def.printer, list.items, {
      includeObject,
      resourceVersion: list.resourceVersion,
      continueToken: list.continueToken,
      remainingItemCount: list.remainingItemCount,
    });
  }
  if (representation.as === 'PartialObjectMetadata') {
    return { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: meta, items: list.items.map(partialObjectMetadata) };
  }
  return { kind: `${registry.def.kind}List`, apiVersion: apiVersionOf(registry.def), metadata: meta, items: list.items };
}

async function serveHealth(checks: readonly HealthCheck[], url: URL, res: ServerResponse, sub: string[], endpoint: string): Promise<void> {
  const selected = sub.length === 0 ? checks : checks.filter((c) => c.name === sub[0]);
  if (sub.length > 0 && selected.length === 0) return sendText(res, 404, `404 page not found\n`);
  const results = await Promise.all(
    selected.map(async (c) => {
      try {
        await c.check();
        return { name: c.name, ok: true, why: '' };
      } catch (err) {
        return { name: c.name, ok: false, why: err instanceof Error ? err.message : String(err) };
      }
    }),
  );
  const failed = results.filter((r) => !r.ok);
  const verbose = url.searchParams.has('verbose');
  if (failed.length === 0 && !verbose) return sendText(res, 200, 'ok');
  const lines = results.map((r) => (r.ok ? `[+]${r.name} ok` : `[-]${r.name} failed: reason withheld`));
  const summary = `${sub.length > 0 ? '' : `${endpoint} `}check ${failed.length === 0 ? 'passed' : 'failed'}`;
  return sendText(res, failed.length === 0 ? 200 : 500, `${lines.join('\n')}\n${summary}\n`);
}
