import { describe, expect, it } from 'vitest';
import { ApiError } from '../rest/status.ts';
import type { KubeObject } from '../types.ts';
import { mutateCreate, validateUpdate, type AdmissionObjects } from './index.ts';

const CLAIMS = { group: '', resource: 'persistentvolumeclaims', namespaced: true };
const DEFAULT = 'storageclass.kubernetes.io/is-default-class';

function objects(classes: KubeObject[] | undefined): AdmissionObjects {
  return {
    list: async () => structuredClone(classes),
    listFresh: async () => structuredClone(classes),
    get: async (_g, _r, _ns, name) => (classes === undefined ? undefined : structuredClone(classes.find((c) => c.metadata?.name === name) ?? null)),
    writeStatus: async (_g, _r, obj) => obj,
  };
}

const sc = (name: string, extra: Record<string, unknown> = {}, isDefault = false, at = '2026-01-01T00:00:00Z'): KubeObject => ({
  metadata: { name, creationTimestamp: at, annotations: isDefault ? { [DEFAULT]: 'true' } : {} },
  provisioner: 'rancher.io/local-path',
  ...extra,
});
const claim = (spec: Record<string, unknown> = {}, annotations: Record<string, string> = {}): KubeObject => ({
  metadata: { name: 'data', namespace: 'ns', annotations },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
});
const className = (c: KubeObject): unknown => (c.spec as { storageClassName?: unknown }).storageClassName;

describe('DefaultStorageClass admission', () => {
  it('gives a claim that names no class the default one, the newest of several', async () => {
    const c = claim();
    await mutateCreate(CLAIMS, c, objects([sc('slow'), sc('local-path', {}, true), sc('newer', {}, true, '2026-02-01T00:00:00Z')]));
    expect(className(c)).toBe('newer');
  });

  it('leaves a class the claim names alone, an empty one and the beta annotation included', async () => {
    const all = objects([sc('local-path', {}, true)]);
    for (const [c, expected] of [
      [claim({ storageClassName: 'slow' }), 'slow'],
      [claim({ storageClassName: '' }), ''],
      [claim({}, { 'volume.beta.kubernetes.io/storage-class': 'slow' }), undefined],
    ] as const) {
      await mutateCreate(CLAIMS, c, all);
      expect(className(c)).toBe(expected);
    }
  });

  it('does nothing without a default class', async () => {
    const c = claim();
    await mutateCreate(CLAIMS, c, objects([sc('slow')]));
    expect(className(c)).toBeUndefined();
  });
});

describe('PersistentVolumeClaimResize admission', () => {
  const refusal = async (p: Promise<unknown>): Promise<string> => {
    try {
      await p;
    } catch (err) {
      if (err instanceof ApiError) return `${err.code} ${err.message}`;
      throw err;
    }
    return 'admitted';
  };
  const grown = (old: KubeObject): KubeObject => ({ ...old, spec: { ...(old.spec as object), resources: { requests: { storage: '2Gi' } } } });

  it('lets a bound claim grow only when its class allows expansion', async () => {
    const bound = { ...claim({ storageClassName: 'local-path', volumeName: 'pv' }), status: { phase: 'Bound' } };
    expect(await refusal(validateUpdate(CLAIMS, grown(bound), objects([sc('local-path')]), bound))).toBe(
      '403 persistentvolumeclaims "data" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize',
    );
    expect(await refusal(validateUpdate(CLAIMS, grown(bound), objects([sc('local-path', { allowVolumeExpansion: true })]), bound))).toBe('admitted');
  });

  it('refuses to grow an unbound claim and lets every other update through', async () => {
    const pending = { ...claim({ storageClassName: 'local-path' }), status: { phase: 'Pending' } };
    expect(await refusal(validateUpdate(CLAIMS, grown(pending), objects([]), pending))).toBe('403 persistentvolumeclaims "data" is forbidden: Only bound persistent volume claims can be expanded');
    expect(await refusal(validateUpdate(CLAIMS, pending, objects([]), pending))).toBe('admitted');
  });
});
