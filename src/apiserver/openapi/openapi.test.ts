import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocuments } from './documents.ts';
import { encodeOpenApiV2 } from './v2-protobuf.ts';

const KINDS = [
  { group: '', version: 'v1', kind: 'Pod', resource: 'pods', namespaced: true, hasStatus: true },
  { group: '', version: 'v1', kind: 'Event', resource: 'events', namespaced: true },
  { group: 'apps', version: 'v1', kind: 'Deployment', resource: 'deployments', namespaced: true, hasStatus: true },
];
const docs = buildOpenApiDocuments(KINDS, 'Kubernetes', 'v1.31.0-test');

describe('OpenAPI definitions from the schema package', () => {
  it('names definitions as upstream does and marks each kind with its group-version-kind', () => {
    expect(docs.kindDefinition('', 'v1', 'Pod')).toBe('io.k8s.api.core.v1.Pod');
    expect(docs.kindDefinition('', 'v1', 'Event')).toBe('io.k8s.api.core.v1.Event');
    expect(docs.kindDefinition('apps', 'v1', 'Deployment')).toBe('io.k8s.api.apps.v1.Deployment');
    expect(docs.definitions['io.k8s.api.core.v1.Pod']['x-kubernetes-group-version-kind']).toEqual([{ group: '', version: 'v1', kind: 'Pod' }]);
    expect(docs.definitions['io.k8s.api.core.v1.Pod'].properties?.metadata).toEqual({ $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' });
    // Shared pod types keep their core/v1 names when reached from apps/v1.
    expect(docs.definitions['io.k8s.api.apps.v1.DeploymentSpec'].properties?.template).toEqual({ $ref: '#/definitions/io.k8s.api.core.v1.PodTemplateSpec' });
    expect(Object.keys(docs.definitions).some((n) => n.startsWith('io.k8s.api.apps.v1.PodSpec'))).toBe(false);
  });

  it('carries field types and formats', () => {
    const container = docs.definitions['io.k8s.api.core.v1.Container'].properties!;
    expect(container.args).toEqual({ type: 'array', items: { type: 'string' } });
    const port = docs.definitions['io.k8s.api.core.v1.ContainerPort'].properties!;
    expect(port.containerPort).toEqual({ type: 'integer', format: 'int32' });
    expect(docs.definitions['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'].properties?.labels).toEqual({ type: 'object', additionalProperties: { type: 'string' } });
    expect(docs.definitions['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'].properties?.creationTimestamp).toEqual({ $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Time' });
  });

  it('adds strategic-merge and list-type extensions to list fields', () => {
    const spec = docs.definitions['io.k8s.api.core.v1.PodSpec'].properties!;
    expect(spec.containers).toMatchObject({ 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge' });
    expect(spec.volumes).toMatchObject({ 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge,retainKeys' });
    const container = docs.definitions['io.k8s.api.core.v1.Container'].properties!;
    expect(container.ports).toMatchObject({ 'x-kubernetes-patch-merge-key': 'containerPort', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['containerPort', 'protocol'] });
    expect(docs.definitions['io.k8s.api.core.v1.PodStatus'].properties?.conditions).toMatchObject({ 'x-kubernetes-patch-merge-key': 'type' });
    expect(docs.definitions['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'].properties?.finalizers).toMatchObject({ 'x-kubernetes-list-type': 'set' });
    expect(docs.definitions['io.k8s.api.apps.v1.DeploymentSpec'].properties?.strategy).toMatchObject({ 'x-kubernetes-patch-strategy': 'retainKeys' });
  });
});

describe('OpenAPI v3 documents', () => {
  it('indexes each group-version and publishes fieldValidation on PATCH, as kubectl 1.27+ looks for it', () => {
    const index = docs.v3Index() as { paths: Record<string, { serverRelativeURL: string }> };
    expect(Object.keys(index.paths).sort()).toEqual(['api/v1', 'apis/apps/v1']);
    expect(index.paths['api/v1'].serverRelativeURL).toMatch(/^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{128}$/);
    const core = docs.v3('api/v1') as { openapi: string; paths: Record<string, Record<string, { parameters: { name: string; in: string }[]; 'x-kubernetes-group-version-kind': unknown }>>; components: { schemas: Record<string, unknown> } };
    expect(core.openapi).toBe('3.0.0');
    const patch = core.paths['/api/v1/namespaces/{namespace}/pods/{name}'].patch;
    expect(patch['x-kubernetes-group-version-kind']).toEqual({ group: '', version: 'v1', kind: 'Pod' });
    expect(patch.parameters).toContainEqual(expect.objectContaining({ name: 'fieldValidation', in: 'query' }));
    expect(core.paths['/api/v1/namespaces/{namespace}/pods/{name}/status']).toBeDefined();
    expect(core.components.schemas['io.k8s.apimachinery.pkg.util.intstr.IntOrString']).toEqual({ 'x-kubernetes-int-or-string': true });
    expect((core.components.schemas['io.k8s.api.core.v1.Pod'] as { properties: { spec: unknown } }).properties.spec).toEqual({ $ref: '#/components/schemas/io.k8s.api.core.v1.PodSpec' });
    expect(docs.v3('apis/batch/v1')).toBeUndefined();
  });
});

describe('OpenAPI v2 protobuf (gnostic openapi_v2.Document)', () => {
  /** Reads the length-delimited fields of one message: [field number, bytes][]. */
  function fields(buf: Uint8Array): [number, Uint8Array][] {
    const r = protobuf.Reader.create(buf);
    const out: [number, Uint8Array][] = [];
    while (r.pos < r.len) {
      const tag = r.uint32();
      expect(tag & 7).toBe(2);
      out.push([tag >>> 3, r.bytes()]);
    }
    return out;
  }
  const str = (b: Uint8Array) => Buffer.from(b).toString('utf8');

  it('encodes swagger, info and the definitions with their vendor extensions as YAML', () => {
    const doc = fields(encodeOpenApiV2('Kubernetes', 'v1.31.0-test', docs.definitions));
    expect(str(doc.find(([n]) => n === 1)![1])).toBe('2.0');
    const info = fields(doc.find(([n]) => n === 2)![1]);
    expect(info.map(([n, b]) => [n, str(b)])).toEqual([
      [1, 'Kubernetes'],
      [2, 'v1.31.0-test'],
    ]);
    const named = fields(doc.find(([n]) => n === 9)![1]).map(([, b]) => fields(b));
    const names = named.map((f) => str(f[0][1]));
    expect(names).toEqual(Object.keys(docs.definitions));
    const pod = fields(named[names.indexOf('io.k8s.api.core.v1.Pod')][1][1]);
    expect(str(fields(pod.find(([n]) => n === 22)![1])[0][1])).toBe('object');
    const extension = fields(pod.find(([n]) => n === 31)![1]);
    expect(str(extension[0][1])).toBe('x-kubernetes-group-version-kind');
    expect(str(fields(extension[1][1])[0][1])).toBe('[{"group":"","version":"v1","kind":"Pod"}]\n');
    const properties = fields(pod.find(([n]) => n === 25)![1]).map(([, b]) => str(fields(b)[0][1]));
    expect(properties).toEqual(['apiVersion', 'kind', 'metadata', 'spec', 'status']);
  });
});
