// The OpenAPI documents: /openapi/v2 (Swagger 2.0: definitions, plus paths for each served resource) and
// /openapi/v3 (an index of group-versions, then one OpenAPI 3.0 document per group-version). kubectl 1.27+ decides
// whether to send `fieldValidation` by finding the query parameter on the PATCH operation of the kind's path in the
// v3 document (matched by x-kubernetes-group-version-kind), so every mutating operation lists it.
import { createHash } from 'node:crypto';
import { DefinitionSet, type Definitions, type GroupVersionKind, type Schema } from './definitions.ts';
import { groupVersionPath, type ServedKind } from './served-kind.ts';
import { encodeOpenApiV2 } from './v2-protobuf.ts';

type Operation = Record<string, unknown>;
type PathItem = Record<string, Operation>;

export interface OpenApiDocuments {
  readonly definitions: Definitions;
  /** The definition holding a kind's schema, for field validation. */
  kindDefinition(group: string, version: string, kind: string): string | undefined;
  v2(): Record<string, unknown>;
  /** The v2 document as gnostic protobuf (definitions only), encoded once. */
  v2Protobuf(): Buffer;
  v3Index(): Record<string, unknown>;
  /** The document for "api/v1" or "apis/<group>/<version>"; undefined for a group-version we do not serve. */
  v3(groupVersion: string): Record<string, unknown> | undefined;
}

const QUERY = (name: string, type = 'string'): Record<string, unknown> => ({ name, in: 'query', schema: { type }, description: '' });

export function buildOpenApiDocuments(kinds: readonly ServedKind[], title: string, version: string): OpenApiDocuments {
  const set = new DefinitionSet(kinds);
  const byGroupVersion = new Map<string, ServedKind[]>();
  for (const k of kinds) {
    const gv = groupVersionPath(k);
    byGroupVersion.set(gv, [...(byGroupVersion.get(gv) ?? []), k]);
  }
  const v3Docs = new Map<string, Record<string, unknown>>();
  for (const [gv, served] of byGroupVersion) v3Docs.set(gv, v3Document(set, served, title, version));
  const index = {
    paths: Object.fromEntries(
      [...v3Docs].map(([gv, doc]) => [gv, { serverRelativeURL: `/openapi/v3/${gv}?hash=${createHash('sha512').update(JSON.stringify(doc)).digest('hex').slice(0, 128).toUpperCase()}` }]),
    ),
  };
  const v2Doc = {
    swagger: '2.0',
    info: { title, version },
    paths: Object.fromEntries(kinds.flatMap((k) => Object.entries(resourcePaths(set, k, '#/definitions/')).map(([p, item]) => [p, v2PathItem(item)]))),
    definitions: set.definitions,
  };
  let v2Protobuf: Buffer | undefined;
  return {
    definitions: set.definitions,
    v2Protobuf: () => (v2Protobuf ??= encodeOpenApiV2(title, version, set.definitions, v2Doc.paths)),
    kindDefinition: (g, v, k) => set.kindDefinition(g, v, k),
    v2: () => v2Doc,
    v3Index: () => index,
    v3: (gv) => v3Docs.get(gv),
  };
}

/** The paths of one resource: collection and object, with the operations and extensions kube-apiserver publishes. */
function resourcePaths(set: DefinitionSet, k: ServedKind, refPrefix: string): Record<string, PathItem> {
  const defName = set.kindDefinition(k.group, k.version, k.kind);
  if (defName === undefined) return {};
  const gvk: GroupVersionKind = { group: k.group, version: k.version, kind: k.kind };
  const body: Schema = { $ref: `${refPrefix}${defName}` };
  const base = `/${groupVersionPath(k)}${k.namespaced ? '/namespaces/{namespace}' : ''}/${k.resource}`;
  const op = (action: string, id: string, params: Record<string, unknown>[], withBody: boolean): Operation => ({
    operationId: `${id}${k.kind}`,
    parameters: params,
    ...(withBody ? { requestBody: { content: { '*/*': { schema: body } }, required: true } } : {}),
    responses: { '200': { description: 'OK', content: { 'application/json': { schema: body } } } },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
  });
  const writeParams = [QUERY('dryRun'), QUERY('fieldManager'), QUERY('fieldValidation')];
  const paths: Record<string, PathItem> = {
    [base]: {
      get: op('list', 'list', [QUERY('labelSelector'), QUERY('fieldSelector'), QUERY('limit', 'integer'), QUERY('continue'), QUERY('watch', 'boolean')], false),
      post: op('post', 'create', writeParams, true),
      delete: op('deletecollection', 'deleteCollection', [QUERY('labelSelector'), QUERY('fieldSelector'), QUERY('dryRun')], false),
    },
    [`${base}/{name}`]: {
      get: op('get', 'read', [], false),
      put: op('put', 'replace', writeParams, true),
      patch: op('patch', 'patch', [...writeParams, QUERY('force', 'boolean')], true),
      delete: op('delete', 'delete', [QUERY('dryRun'), QUERY('gracePeriodSeconds', 'integer'), QUERY('propagationPolicy')], false),
    },
  };
  if (k.hasStatus === true) {
    paths[`${base}/{name}/status`] = {
      get: op('get', 'readStatus', [], false),
      put: op('put', 'replaceStatus', writeParams, true),
      patch: op('patch', 'patchStatus', [...writeParams, QUERY('force', 'boolean')], true),
    };
  }
  return paths;
}

function v2PathItem(item: PathItem): PathItem {
  const out: PathItem = {};
  for (const [method, operation] of Object.entries(item)) {
    const { requestBody, responses, parameters, ...rest } = operation as { requestBody?: { content: Record<string, { schema: Schema }> }; responses: unknown; parameters: Record<string, unknown>[] };
    void responses;
    const params = parameters.map(({ schema, ...p }) => ({ ...p, type: (schema as { type: string }).type, uniqueItems: true }));
    if (requestBody !== undefined) params.push({ name: 'body', in: 'body', required: true, schema: requestBody.content['*/*'].schema } as never);
    out[method] = { ...rest, consumes: ['*/*'], produces: ['application/json'], schemes: ['https'], parameters: params, responses: { '200': { description: 'OK' } } };
  }
  return out;
}

function v3Document(set: DefinitionSet, served: readonly ServedKind[], title: string, version: string): Record<string, unknown> {
  const paths: Record<string, PathItem> = {};
  for (const k of served) Object.assign(paths, resourcePaths(set, k, '#/components/schemas/'));
  const schemas: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(set.definitions)) schemas[name] = toV3(schema);
  return { openapi: '3.0.0', info: { title, version }, paths, components: { schemas } };
}

/** Swagger 2.0 schema → OpenAPI 3.0: refs move to components, int-or-string becomes its extension. */
function toV3(schema: Schema): Schema {
  if (schema.format === 'int-or-string') return { 'x-kubernetes-int-or-string': true };
  const out: Schema = { ...schema };
  if (schema.$ref !== undefined) out.$ref = schema.$ref.replace('#/definitions/', '#/components/schemas/');
  if (schema.items !== undefined) out.items = toV3(schema.items);
  if (schema.additionalProperties !== undefined) out.additionalProperties = toV3(schema.additionalProperties);
  if (schema.properties !== undefined) out.properties = Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, toV3(v)]));
  return out;
}
