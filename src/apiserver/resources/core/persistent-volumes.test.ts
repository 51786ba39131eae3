import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../types.ts';
import { ApiError } from '../../rest/status.ts';
import { buildTable } from '../../rest/table.ts';
import { persistentvolumeclaims } from './persistentvolumeclaims.ts';
import { persistentvolumes } from './persistentvolumes.ts';
import { statefulsets } from '../apps/statefulsets.ts';
import { accessModesText, defaultStorageClass } from './volume-common.ts';

const now = new Date('2026-01-01T12:00:00Z');
const created = { creationTimestamp: '2026-01-01T11:00:00Z' };
const messages = (causes: { field?: string; message: string }[]): string[] => causes.map((c) => `${c.field}: ${c.message}`);

function table(def: typeof persistentvolumes, obj: KubeObject) {
  const t = buildTable(def.printer, [obj], { includeObject: 'None', now }) as { columnDefinitions: { name: string; priority: number }[]; rows: { cells: unknown[] }[] };
  return { names: t.columnDefinitions.map((c) => (c.priority === 0 ? c.name.toUpperCase() : `(${c.name.toUpperCase()})`)), cells: t.rows[0].cells };
}

function newVolume(spec: Record<string, unknown> = {}): KubeObject {
  const pv: KubeObject = { metadata: { name: 'pv1', ...created }, spec: { capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/srv/pv1' }, ...spec } };
  persistentvolumes.defaults(pv);
  persistentvolumes.admit?.(pv);
  return pv;
}

function newClaim(spec: Record<string, unknown> = {}): KubeObject {
  const pvc: KubeObject = { metadata: { name: 'data', namespace: 'ns', ...created }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec } };
  persistentvolumeclaims.defaults(pvc);
  persistentvolumeclaims.admit?.(pvc);
  return pvc;
}

describe('PersistentVolumes', () => {
  it('default to Retain, Filesystem and Pending, and get the protection finalizer on create', () => {
    const pv = newVolume();
    expect(pv.spec).toMatchObject({ persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem' });
    expect(pv.status).toMatchObject({ phase: 'Pending' });
    expect(typeof (pv.status as { lastPhaseTransitionTime?: unknown }).lastPhaseTransitionTime).toBe('string');
    expect(pv.metadata?.finalizers).toEqual(['kubernetes.io/pv-protection']);
    expect(persistentvolumes.validate(pv)).toEqual([]);
  });

  it("refuse what kube-apiserver refuses, in its words", () => {
    const pv: KubeObject = { metadata: { name: 'bad' }, spec: { hostPath: { path: '/a/../b', type: 'Dir' }, nfs: { server: 'x', path: '/y' } } };
    persistentvolumes.defaults(pv);
    expect(messages(persistentvolumes.validate(pv))).toEqual([
      'spec.accessModes: Required value',
      'spec.capacity: Required value',
      'spec.capacity: Unsupported value: core.ResourceList(nil): supported values: "storage"',
      `spec.hostPath.path: Invalid value: "/a/../b": must not contain '..'`,
      'spec.hostPath.type: Unsupported value: "Dir": supported values: "", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"',
      'spec.nfs: Forbidden: may not specify more than 1 volume type',
    ]);
    expect(messages(persistentvolumes.validate(newVolume({ capacity: { storage: '0' }, accessModes: ['ReadWriteOncePod', 'ReadWriteOnce'], hostPath: undefined, local: { path: '/x' } })))).toEqual([
      'spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes',
      'spec.capacity[storage]: Invalid value: "0": must be greater than zero',
      'spec.nodeAffinity: Required value: Local volume requires node affinity',
    ]);
    expect(messages(persistentvolumes.validate(newVolume({ hostPath: undefined })))).toEqual(['spec: Required value: must specify a volume type']);
  });

  it('store quantities canonically and refuse one that does not parse', () => {
    expect(o(newVolume({ capacity: { storage: '1536Mi' } }).spec).capacity).toEqual({ storage: '1536Mi' });
    expect(o(newVolume({ capacity: { storage: '2048Mi' } }).spec).capacity).toEqual({ storage: '2Gi' });
    expect(() => newVolume({ capacity: { storage: 'lots' } })).toThrow(ApiError);
  });

  it('keep their source, volume mode and node affinity', () => {
    const old = newVolume();
    const next = structuredClone(old);
    (next.spec as Record<string, unknown>).hostPath = { path: '/srv/other' };
    (next.spec as Record<string, unknown>).volumeMode = 'Block';
    const causes = messages(persistentvolumes.validateUpdate(next, old));
    expect(causes[0]).toMatch(/^spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation\n/);
    expect(causes[1]).toBe('volumeMode: Invalid value: "Block": field is immutable');
    const claimed = structuredClone(old);
    (claimed.spec as Record<string, unknown>).claimRef = { namespace: 'ns', name: 'data' };
    expect(persistentvolumes.validateUpdate(claimed, old)).toEqual([]);
  });

  it('move lastPhaseTransitionTime only when the phase changes', () => {
    const old = newVolume();
    (old.status as Record<string, unknown>).lastPhaseTransitionTime = '2020-01-01T00:00:00Z';
    const same = { ...old, status: { phase: 'Pending' } };
    persistentvolumes.keepOnUpdate?.(same, old);
    expect(same.status).toEqual({ phase: 'Pending', lastPhaseTransitionTime: '2020-01-01T00:00:00Z' });
    const moved = { ...old, status: { phase: 'Available', lastPhaseTransitionTime: '2020-01-01T00:00:00Z' } };
    persistentvolumes.keepOnUpdate?.(moved, old);
    expect((moved.status as Record<string, unknown>).lastPhaseTransitionTime).not.toBe('2020-01-01T00:00:00Z');
  });

  it("print kube-apiserver 1.31's columns", () => {
    const pv = newVolume({ claimRef: { namespace: 'ns', name: 'data' }, storageClassName: 'local-path', accessModes: ['ReadOnlyMany', 'ReadWriteOnce'] });
    pv.status = { phase: 'Bound' };
    expect(table(persistentvolumes, pv)).toEqual({
      names: ['NAME', 'CAPACITY', 'ACCESS MODES', 'RECLAIM POLICY', 'STATUS', 'CLAIM', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'REASON', 'AGE', '(VOLUMEMODE)'],
      cells: ['pv1', '5Gi', 'RWO,ROX', 'Retain', 'Bound', 'ns/data', 'local-path', '<unset>', '', '60m', 'Filesystem'],
    });
    expect(table(persistentvolumes, { ...pv, metadata: { ...pv.metadata, deletionTimestamp: '2026-01-01T11:59:00Z' } }).cells[4]).toBe('Terminating');
  });
});

describe('PersistentVolumeClaims', () => {
  it('default to Filesystem and Pending, mirror dataSource, and get the protection finalizer on create', () => {
    const pvc = newClaim({ dataSource: { kind: 'PersistentVolumeClaim', name: 'src' } });
    expect(pvc.spec).toMatchObject({ volumeMode: 'Filesystem', dataSourceRef: { kind: 'PersistentVolumeClaim', name: 'src' } });
    expect(pvc.status).toEqual({ phase: 'Pending' });
    expect(pvc.metadata?.finalizers).toEqual(['kubernetes.io/pvc-protection']);
    expect(persistentvolumeclaims.validate(pvc)).toEqual([]);
  });

  it('need access modes and a positive storage request', () => {
    expect(messages(persistentvolumeclaims.validate({ metadata: { name: 'x' }, spec: { resources: {} } }))).toEqual([
      'spec.accessModes: Required value: at least 1 access mode is required',
      'spec.resources[storage]: Required value',
    ]);
    expect(messages(persistentvolumeclaims.validate(newClaim({ accessModes: ['Sometimes'], resources: { requests: { storage: '0' } }, storageClassName: 'Fast' })))).toEqual([
      'spec.accessModes: Unsupported value: "Sometimes": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
      'spec.resources[storage]: Invalid value: "0": must be greater than zero',
      expect.stringMatching(/^spec.storageClassName: Invalid value: "Fast": a lowercase RFC 1123 subdomain/),
    ]);
  });

  it('are immutable but for volumeName once, a first class, and growth of a bound claim', () => {
    const old = newClaim();
    const bind = structuredClone(old);
    (bind.spec as Record<string, unknown>).volumeName = 'pv1';
    (bind.spec as Record<string, unknown>).storageClassName = 'local-path';
    expect(persistentvolumeclaims.validateUpdate(bind, old)).toEqual([]);
    const changed = structuredClone(old);
    (changed.spec as Record<string, unknown>).accessModes = ['ReadWriteMany'];
    expect(messages(persistentvolumeclaims.validateUpdate(changed, old))[0]).toMatch(/^spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n/);
    const grown = structuredClone(old);
    (grown.spec as { resources: { requests: Record<string, string> } }).resources.requests.storage = '2Gi';
    expect(persistentvolumeclaims.validateUpdate(grown, old)).toHaveLength(1);
    grown.status = { phase: 'Bound' };
    expect(persistentvolumeclaims.validateUpdate(grown, old)).toEqual([]);
    const shrunk = structuredClone(grown);
    (shrunk.spec as { resources: { requests: Record<string, string> } }).resources.requests.storage = '512Mi';
    expect(messages(persistentvolumeclaims.validateUpdate(shrunk, old))).toEqual(['spec.resources.requests.storage: Forbidden: field can not be less than previous value']);
  });

  it("print kube-apiserver 1.31's columns, capacity and modes only once bound", () => {
    const pvc = newClaim({ storageClassName: 'local-path' });
    expect(table(persistentvolumeclaims, pvc)).toEqual({
      names: ['NAME', 'STATUS', 'VOLUME', 'CAPACITY', 'ACCESS MODES', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'AGE', '(VOLUMEMODE)'],
      cells: ['data', 'Pending', '', '', '', 'local-path', '<unset>', '60m', 'Filesystem'],
    });
    const bound = { ...pvc, spec: { ...o(pvc.spec), volumeName: 'pv1' }, status: { phase: 'Bound', capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce'] } };
    expect(table(persistentvolumeclaims, bound).cells.slice(0, 5)).toEqual(['data', 'Bound', 'pv1', '5Gi', 'RWO']);
  });
});

describe('StatefulSet claim templates', () => {
  it('are defaulted and validated as claims', () => {
    const sts: KubeObject = {
      metadata: { name: 'web' },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'i' }] } },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { resources: { requests: { storage: '1Gi' } } } }],
      },
    };
    statefulsets.defaults(sts);
    expect((sts.spec as { volumeClaimTemplates: unknown[] }).volumeClaimTemplates[0]).toEqual({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data' },
      spec: { resources: { requests: { storage: '1Gi' } }, volumeMode: 'Filesystem' },
      status: { phase: 'Pending' },
    });
    expect(messages(statefulsets.validate(sts))).toEqual(['spec.volumeClaimTemplates[0].spec.accessModes: Required value: at least 1 access mode is required']);
  });
});

describe('storage helpers', () => {
  it("print access modes in kube's order", () => {
    expect(accessModesText(['ReadWriteOncePod', 'ReadWriteMany', 'ReadOnlyMany', 'ReadWriteOnce'])).toBe('RWO,ROX,RWX,RWOP');
  });
  it('pick the newest default class, then the first by name', () => {
    const sc = (name: string, at: string, isDefault = true): KubeObject => ({ metadata: { name, creationTimestamp: at, annotations: { 'storageclass.kubernetes.io/is-default-class': String(isDefault) } } });
    expect(defaultStorageClass([sc('a', '2026-01-01T00:00:00Z'), sc('b', '2026-01-02T00:00:00Z'), sc('c', '2026-01-03T00:00:00Z', false)])?.metadata?.name).toBe('b');
    expect(defaultStorageClass([sc('z', '2026-01-01T00:00:00Z'), sc('y', '2026-01-01T00:00:00Z')])?.metadata?.name).toBe('y');
    expect(defaultStorageClass([sc('c', '2026-01-03T00:00:00Z', false)])).toBeUndefined();
  });
});

function o(v: unknown): Record<string, unknown> {
  return (v ?? {}) as Record<string, unknown>;
}
