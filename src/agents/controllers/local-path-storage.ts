// The local-path provisioner's storage: one directory per volume under a root, named as rancher's local-path
// provisioner names them (<pv>_<namespace>_<claim>), and the PersistentVolume that points at it (hostPath,
// DirectoryOrCreate; pinned to the consumer's node when the class waited for one). Removal refuses any path that is
// not a direct child of the root, so a hand-made volume claiming the provisioner can never delete elsewhere.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { KubeObject } from '../../apiserver/index.ts';
import { o, str } from '../../apiserver/resources/values.ts';
import { ANN_PROVISIONED_BY } from './volume-binding.ts';

/** The provisioner names this controller serves: rancher's (what k3s's manifests use) and barque's own. */
export const LOCAL_PATH_PROVISIONERS = ['rancher.io/local-path', 'barque.io/local-path'];
export const HOSTNAME_LABEL = 'kubernetes.io/hostname';

export function volumeNameFor(claim: KubeObject): string {
  return `pvc-${claim.metadata?.uid ?? ''}`;
}

export function volumeDirFor(root: string, claim: KubeObject): string {
  const meta = claim.metadata ?? {};
  return path.join(path.resolve(root), `${volumeNameFor(claim)}_${meta.namespace ?? ''}_${meta.name ?? ''}`);
}

/** Creates the volume's directory, open to every user as local-path makes it (containers may run as anyone). */
export async function createVolumeDir(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await fs.chmod(dir, 0o777);
}

/** The directory a volume's source points at, if it has a local one. */
export function volumePath(pv: KubeObject): string | undefined {
  const spec = o(pv.spec);
  const p = str(o(spec.hostPath).path) || str(o(spec.local).path);
  return p === '' ? undefined : p;
}

/** Whether `dir` is a volume directory this root may delete: a direct child of it. */
export function isUnderRoot(root: string, dir: string): boolean {
  const resolved = path.resolve(dir);
  return path.dirname(resolved) === path.resolve(root) && path.basename(resolved) !== '..';
}

/** Removes a volume's directory and what it holds; an already missing one is fine. */
export async function removeVolumeDir(root: string, dir: string): Promise<void> {
  if (!isUnderRoot(root, dir)) throw new Error(`refusing to delete ${dir}: not a volume directory under the local storage root ${path.resolve(root)}`);
  await fs.rm(dir, { recursive: true, force: true });
}

export interface ProvisionRequest {
  claim: KubeObject;
  storageClass: KubeObject;
  dir: string;
  /** The consumer's node (WaitForFirstConsumer); the volume is pinned to it. */
  node?: string;
}

/** The PersistentVolume for a provisioned directory, pre-bound to its claim as external provisioners create them. */
export function provisionedVolume(r: ProvisionRequest): KubeObject {
  const meta = r.claim.metadata ?? {};
  const claimSpec = o(r.claim.spec);
  const sc = r.storageClass;
  const spec: Record<string, unknown> = {
    capacity: { storage: str(o(o(claimSpec.resources).requests).storage) },
    accessModes: claimSpec.accessModes,
    persistentVolumeReclaimPolicy: str(sc.reclaimPolicy) || 'Delete',
    storageClassName: sc.metadata?.name ?? '',
    volumeMode: str(claimSpec.volumeMode) || 'Filesystem',
    claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: meta.namespace, name: meta.name, uid: meta.uid, resourceVersion: meta.resourceVersion },
    hostPath: { path: r.dir, type: 'DirectoryOrCreate' },
  };
  if (Array.isArray(sc.mountOptions)) spec.mountOptions = sc.mountOptions;
  if (r.node !== undefined) spec.nodeAffinity = { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: HOSTNAME_LABEL, operator: 'In', values: [r.node] }] }] } };
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: volumeNameFor(r.claim), annotations: { [ANN_PROVISIONED_BY]: str(sc.provisioner) } },
    spec,
  };
}

/** Why the provisioner cannot serve a claim, in the words of kube's external provisioner where it has them. */
export function unsupportedClaim(claim: KubeObject): string | undefined {
  const spec = o(claim.spec);
  if (spec.selector !== undefined && spec.selector !== null) return 'claim Selector is not supported';
  if (str(spec.volumeMode) === 'Block') return 'Only support Filesystem volume mode';
  if (spec.dataSource !== undefined && spec.dataSource !== null) return 'dataSource is not supported';
  return undefined;
}
