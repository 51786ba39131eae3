import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../types.ts';
import { schemaForKind } from '../merge-keys.ts';
import { PatchError } from '../values.ts';
import { ApplyConflictError } from './conflicts.ts';
import { applyConfiguration, recordUpdate, type FieldManagerContext } from './field-manager.ts';
import { FieldSet, pathString } from './fieldset.ts';

const deploymentCtx: FieldManagerContext = { schema: schemaForKind('apps', 'Deployment'), apiVersion: 'apps/v1', hasStatus: true, subresource: '', now: '2026-01-01T00:00:00Z' };
const configMapCtx: FieldManagerContext = { schema: schemaForKind('', 'ConfigMap'), apiVersion: 'v1', hasStatus: false, subresource: '', now: '2026-01-01T00:00:00Z' };
const at = (ctx: FieldManagerContext, now: string): FieldManagerContext => ({ ...ctx, now });

const deployment = (replicas: number, image = 'nginx:1.25'): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'nginx', image, ports: [{ containerPort: 80 }] }] },
    },
  },
});

const entries = (obj: KubeObject) => obj.metadata?.managedFields as { manager: string; operation: string; time?: string; fieldsV1: Record<string, unknown> }[];

describe('FieldsV1', () => {
  it('encodes the set as a trie with "." for owned inner nodes, and decodes it back', () => {
    const set = new FieldSet([
      ['f:metadata', 'f:labels', 'f:app'],
      ['f:spec', 'f:containers', 'k:{"name":"nginx"}'],
      ['f:spec', 'f:containers', 'k:{"name":"nginx"}', 'f:image'],
      ['f:metadata', 'f:finalizers', 'v:"a"'],
    ]);
    const encoded = set.toFieldsV1();
    expect(encoded).toEqual({
      'f:metadata': { 'f:finalizers': { 'v:"a"': {} }, 'f:labels': { 'f:app': {} } },
      'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {} } } },
    });
    expect(Object.keys((encoded['f:spec'] as Record<string, Record<string, Record<string, unknown>>>)['f:containers']['k:{"name":"nginx"}'])).toEqual(['.', 'f:image']);
    expect(FieldSet.fromFieldsV1(encoded).paths()).toEqual(set.paths());
  });

  it('prints paths as Kubernetes does in conflict messages', () => {
    expect(pathString(['f:spec', 'f:replicas'])).toBe('.spec.replicas');
    expect(pathString(['f:spec', 'f:containers', 'k:{"name":"nginx"}', 'f:image'])).toBe('.spec.containers[name="nginx"].image');
    expect(pathString(['f:ports', 'k:{"containerPort":80,"protocol":"TCP"}'])).toBe('.ports[containerPort=80,protocol="TCP"]');
    expect(pathString(['f:metadata', 'f:finalizers', 'v:"a"'])).toBe('.metadata.finalizers[="a"]');
  });
});

describe('managedFields on Update', () => {
  it('credits the creator with every field it set, defaults included, keyed by list keys', () => {
    const created = deployment(1);
    recordUpdate(undefined, created, 'kubectl-create', deploymentCtx);
    const [entry] = entries(created);
    expect(entry).toMatchObject({ manager: 'kubectl-create', operation: 'Update', apiVersion: 'apps/v1', time: '2026-01-01T00:00:00Z', fieldsType: 'FieldsV1' });
    // The shape kube-apiserver records for a create: nodes the zero value lacks (maps, pointer structs, lists
    // other than containers) are owned themselves ("."), struct values and containers are not.
    expect(entry.fieldsV1).toEqual({
      'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
      'f:spec': {
        'f:replicas': {},
        'f:selector': {},
        'f:template': {
          'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
          'f:spec': {
            'f:containers': {
              'k:{"name":"nginx"}': {
                '.': {},
                'f:image': {},
                'f:name': {},
                'f:ports': { '.': {}, 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
              },
            },
          },
        },
      },
    });
  });

  it('moves changed fields to the updater and forgets removed ones', () => {
    const v1 = deployment(1);
    recordUpdate(undefined, v1, 'creator', deploymentCtx);
    const v2 = structuredClone(v1);
    (v2.spec as { replicas: number }).replicas = 3;
    delete v2.metadata?.labels;
    recordUpdate(v1, v2, 'scaler', at(deploymentCtx, '2026-01-01T00:01:00Z'));
    const [creator, scaler] = entries(v2);
    expect(scaler).toMatchObject({ manager: 'scaler', time: '2026-01-01T00:01:00Z', fieldsV1: { 'f:spec': { 'f:replicas': {} } } });
    expect(creator.manager).toBe('creator');
    expect(creator.fieldsV1['f:metadata']).toBeUndefined();
    expect((creator.fieldsV1['f:spec'] as Record<string, unknown>)['f:replicas']).toBeUndefined();
  });

  it('keeps at most 10 Update managers, folding the oldest into ancient-changes', () => {
    let obj: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: {} };
    for (let i = 0; i < 12; i++) {
      const next = structuredClone(obj);
      (next.data as Record<string, string>)[`k${i}`] = 'v';
      recordUpdate(i === 0 ? undefined : obj, next, `m${i}`, at(configMapCtx, `2026-01-01T00:00:${String(i).padStart(2, '0')}Z`));
      obj = next;
    }
    const all = entries(obj);
    expect(all).toHaveLength(10);
    const ancient = all.find((e) => e.manager === 'ancient-changes');
    expect(ancient).toMatchObject({ operation: 'Update', time: '2026-01-01T00:00:02Z' });
    expect(Object.keys(ancient?.fieldsV1['f:data'] as object).sort()).toEqual(['.', 'f:k0', 'f:k1', 'f:k2']);
    expect(all.map((e) => e.manager).filter((m) => m !== 'ancient-changes')).toEqual(['m3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9', 'm10', 'm11']);
  });

  it('writes nothing new when nothing changed, and status is not owned through the main resource', () => {
    const v1 = deployment(1);
    recordUpdate(undefined, v1, 'creator', deploymentCtx);
    const v2 = { ...structuredClone(v1), status: { replicas: 1 } };
    recordUpdate(v1, v2, 'other', at(deploymentCtx, '2026-01-01T00:05:00Z'));
    expect(entries(v2)).toEqual(entries(v1));
  });
});

describe('server-side apply', () => {
  it('creates, then shares fields applied with the same value, and reports conflicts on different values', () => {
    const created = applyConfiguration(undefined, deployment(1), { manager: 'alice', force: false }, deploymentCtx);
    expect(entries(created)).toMatchObject([{ manager: 'alice', operation: 'Apply', apiVersion: 'apps/v1' }]);
    const shared = applyConfiguration(created, deployment(1), { manager: 'bob', force: false }, deploymentCtx);
    expect(entries(shared).map((e) => e.manager)).toEqual(['alice', 'bob']);
    let error: unknown;
    try {
      applyConfiguration(shared, deployment(2), { manager: 'carol', force: false }, deploymentCtx);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ApplyConflictError);
    const conflict = error as ApplyConflictError;
    expect(conflict.message).toBe('Apply failed with 2 conflicts: conflicts with "alice" using apps/v1:\n- .spec.replicas\nconflicts with "bob" using apps/v1:\n- .spec.replicas');
    expect(conflict.causes()).toEqual([
      { reason: 'FieldManagerConflict', message: 'conflict with "alice" using apps/v1', field: '.spec.replicas' },
      { reason: 'FieldManagerConflict', message: 'conflict with "bob" using apps/v1', field: '.spec.replicas' },
    ]);
  });

  it('words a single conflict as Kubernetes does, and force takes the field over', () => {
    const created = applyConfiguration(undefined, deployment(1), { manager: 'alice', force: false }, deploymentCtx);
    const scaled = structuredClone(created);
    (scaled.spec as { replicas: number }).replicas = 5;
    recordUpdate(created, scaled, 'kubectl-scale', deploymentCtx);
    expect(() => applyConfiguration(scaled, deployment(2), { manager: 'alice', force: false }, deploymentCtx)).toThrow(
      'Apply failed with 1 conflict: conflict with "kubectl-scale" using apps/v1: .spec.replicas',
    );
    const forced = applyConfiguration(scaled, deployment(2), { manager: 'alice', force: true }, deploymentCtx);
    expect((forced.spec as { replicas: number }).replicas).toBe(2);
    expect(entries(forced).map((e) => e.manager)).toEqual(['alice']);
  });

  it('removes fields dropped from the applied configuration unless another manager owns them', () => {
    const v1: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1', b: '2', c: '3' } };
    const created = applyConfiguration(undefined, v1, { manager: 'alice', force: false }, configMapCtx);
    const sharedB = applyConfiguration(created, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { b: '2' } }, { manager: 'bob', force: false }, configMapCtx);
    const next = applyConfiguration(sharedB, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' } }, { manager: 'alice', force: false }, configMapCtx);
    expect(next.data).toEqual({ a: '1', b: '2' });
  });

  it('merges associative lists by key and keeps items other managers added', () => {
    const created = applyConfiguration(undefined, deployment(1), { manager: 'alice', force: false }, deploymentCtx);
    const withSidecar = structuredClone(created);
    (withSidecar.spec as { template: { spec: { containers: unknown[] } } }).template.spec.containers.push({ name: 'sidecar', image: 'busybox' });
    recordUpdate(created, withSidecar, 'kubectl-edit', deploymentCtx);
    const next = applyConfiguration(withSidecar, deployment(1, 'nginx:1.26'), { manager: 'alice', force: false }, deploymentCtx);
    const containers = (next.spec as { template: { spec: { containers: { name: string; image: string }[] } } }).template.spec.containers;
    expect(containers).toEqual([
      { name: 'nginx', image: 'nginx:1.26', ports: [{ containerPort: 80 }] },
      { name: 'sidecar', image: 'busybox' },
    ]);
  });

  it('lets "kubectl" take over what the last-applied annotation holds (client-side to server-side upgrade)', () => {
    const clientSide = deployment(1);
    clientSide.metadata = { ...clientSide.metadata, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(deployment(1)) } };
    recordUpdate(undefined, clientSide, 'kubectl-client-side-apply', deploymentCtx);
    expect(() => applyConfiguration(clientSide, deployment(4), { manager: 'someone', force: false }, deploymentCtx)).toThrow(ApplyConflictError);
    const upgraded = applyConfiguration(clientSide, deployment(4), { manager: 'kubectl', force: false }, deploymentCtx);
    expect((upgraded.spec as { replicas: number }).replicas).toBe(4);
    expect(JSON.parse(upgraded.metadata?.annotations?.['kubectl.kubernetes.io/last-applied-configuration'] ?? '{}')).toMatchObject({ spec: { replicas: 4 } });
  });

  it('credits an object written before fields were tracked to before-first-apply', () => {
    const legacy: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' } };
    expect(() => applyConfiguration(legacy, { ...legacy, data: { a: '2' } }, { manager: 'new', force: false }, configMapCtx)).toThrow(
      'Apply failed with 1 conflict: conflict with "before-first-apply" using v1: .data.a',
    );
    const same = applyConfiguration(legacy, legacy, { manager: 'new', force: false }, configMapCtx);
    expect(entries(same).map((e) => `${e.manager}/${e.operation}`)).toEqual(['new/Apply', 'before-first-apply/Update']);
  });

  it('refuses a configuration that carries managedFields', () => {
    const config = { ...deployment(1), metadata: { name: 'web', managedFields: [] } };
    expect(() => applyConfiguration(undefined, config, { manager: 'a', force: false }, deploymentCtx)).toThrow(new PatchError('metadata.managedFields must be nil'));
  });
});
