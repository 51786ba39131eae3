import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../apiserver/index.ts';
import { defaultLocalPathClass } from './local-path-provisioner.ts';
import { createVolumeDir, isUnderRoot, provisionedVolume, removeVolumeDir, unsupportedClaim, volumeDirFor, volumePath } from './local-path-storage.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'barque-local-path-test-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const claim: KubeObject = {
  metadata: { name: 'data', namespace: 'ns', uid: '1234', resourceVersion: '7' },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'local-path', volumeMode: 'Filesystem' },
};

describe('local-path storage', () => {
  it('names a directory per volume as rancher local-path does, and makes it writable by anyone', async () => {
    const dir = volumeDirFor(root, claim);
    expect(path.basename(dir)).toBe('pvc-1234_ns_data');
    await createVolumeDir(dir);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o777);
  });

  it('describes the directory as a PersistentVolume pre-bound to the claim, pinned to the node when one was chosen', () => {
    const pv = provisionedVolume({ claim, storageClass: defaultLocalPathClass('local-path'), dir: '/data/pvc-1234_ns_data', node: 'n1' });
    expect(pv).toEqual({
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: 'pvc-1234', annotations: { 'pv.kubernetes.io/provisioned-by': 'rancher.io/local-path' } },
      spec: {
        capacity: { storage: '1Gi' },
        accessModes: ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: 'Delete',
        storageClassName: 'local-path',
        volumeMode: 'Filesystem',
        claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: 'ns', name: 'data', uid: '1234', resourceVersion: '7' },
        hostPath: { path: '/data/pvc-1234_ns_data', type: 'DirectoryOrCreate' },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n1'] }] }] } },
      },
    });
    expect(volumePath(pv)).toBe('/data/pvc-1234_ns_data');
    expect(o(provisionedVolume({ claim, storageClass: { ...defaultLocalPathClass('x'), reclaimPolicy: 'Retain' }, dir: '/d' }).spec).nodeAffinity).toBeUndefined();
  });

  it('removes only direct children of its root', async () => {
    const dir = volumeDirFor(root, claim);
    fs.writeFileSync(path.join(dir, 'file'), 'x');
    expect(isUnderRoot(root, dir)).toBe(true);
    expect(isUnderRoot(root, root)).toBe(false);
    expect(isUnderRoot(root, path.join(root, '..', 'elsewhere'))).toBe(false);
    expect(isUnderRoot(root, path.join(dir, 'nested'))).toBe(false);
    await expect(removeVolumeDir(root, '/etc')).rejects.toThrow(/refusing to delete \/etc/);
    await removeVolumeDir(root, dir);
    expect(fs.existsSync(dir)).toBe(false);
    await removeVolumeDir(root, dir); // already gone
  });

  it('refuses claims it cannot serve', () => {
    expect(unsupportedClaim(claim)).toBeUndefined();
    expect(unsupportedClaim({ ...claim, spec: { ...o(claim.spec), selector: { matchLabels: { a: 'b' } } } })).toBe('claim Selector is not supported');
    expect(unsupportedClaim({ ...claim, spec: { ...o(claim.spec), volumeMode: 'Block' } })).toBe('Only support Filesystem volume mode');
  });
});

function o(v: unknown): Record<string, unknown> {
  return (v ?? {}) as Record<string, unknown>;
}
