// What the PersistentVolume binder decides, as pure functions over objects: which volume a claim gets (kube's
// FindMatchingVolume over access-mode groups, fewest extra modes first, then the smallest volume that satisfies
// size, class, selector, volume mode and node affinity; a volume pre-bound to the claim wins), whether a claim's
// binding waits for its first consumer, and whether a volume the user named satisfies the claim.
import type { KubeObject } from '../../apiserver/index.ts';
import { selectorMatches, volumes as vc } from '../../apiserver/resources/index.ts';
import { compareQuantities, parseQuantity, ZERO, type Quantity } from '../../apiserver/resources/quantity.ts';
import { arr, o, str } from '../../apiserver/resources/values.ts';
import { nodeSelectorMatches } from '../scheduler/node-selector.ts';

export const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';
export const ANN_STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';
export const ANN_BETA_STORAGE_PROVISIONER = 'volume.beta.kubernetes.io/storage-provisioner';
export const ANN_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
export const ANN_BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
export const ANN_PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';

const quantity = (v: unknown): Quantity => parseQuantity(v) ?? ZERO;
const accessModes = (obj: KubeObject): string[] => (Array.isArray(o(obj.spec).accessModes) ? (o(obj.spec).accessModes as unknown[]).map(String) : []);

export function requestedStorage(claim: KubeObject): Quantity {
  return quantity(o(o(o(claim.spec).resources).requests).storage);
}

export function volumeStorage(pv: KubeObject): Quantity {
  return quantity(o(o(pv.spec).capacity).storage);
}

/** The claim a volume's claimRef names, as a "namespace/name" key; undefined without a claimRef. */
export function claimKeyOf(pv: KubeObject): string | undefined {
  const ref = o(pv.spec).claimRef;
  if (ref === undefined || ref === null) return undefined;
  return `${str(o(ref).namespace)}/${str(o(ref).name)}`;
}

/** IsVolumeBoundToClaim: the claimRef names the claim, and its uid (when set) is the claim's. */
export function isVolumeBoundToClaim(pv: KubeObject, claim: KubeObject): boolean {
  const ref = o(pv.spec).claimRef;
  if (ref === undefined || ref === null) return false;
  const r = o(ref);
  if (str(r.name) !== claim.metadata?.name || str(r.namespace) !== claim.metadata?.namespace) return false;
  return str(r.uid) === '' || str(r.uid) === claim.metadata?.uid;
}

/** Every mode the claim asks for is one the volume offers. */
export function checkAccessModes(claim: KubeObject, pv: KubeObject): boolean {
  const offered = new Set(accessModes(pv));
  return accessModes(claim).every((m) => offered.has(m));
}

/** The volume's required node affinity admits the node (no affinity admits every node). */
export function volumeNodeAffinityMatches(pv: KubeObject, node: KubeObject): boolean {
  const required = o(o(pv.spec).nodeAffinity).required;
  if (required === undefined || required === null) return true;
  return nodeSelectorMatches(required, node);
}

export interface MatchOptions {
  /** The node a consumer was scheduled to (WaitForFirstConsumer): volumes must be reachable from it. */
  node?: KubeObject;
  /** The claim waits for its first consumer and no node is known yet: only a volume pre-bound to it may match. */
  delayBinding: boolean;
}

/** kube's FindMatchingVolume over one group of volumes. */
export function findMatchingVolume(claim: KubeObject, candidates: readonly KubeObject[], options: MatchOptions): KubeObject | undefined {
  const requested = requestedStorage(claim);
  const requestedClass = vc.claimStorageClass(claim);
  const selector = o(claim.spec).selector;
  const claimMode = vc.volumeModeOf(claim.spec);
  let smallest: KubeObject | undefined;
  for (const pv of candidates) {
    const ref = o(pv.spec).claimRef;
    const boundToClaim = isVolumeBoundToClaim(pv, claim);
    if (ref !== undefined && ref !== null && !boundToClaim) continue;
    const size = volumeStorage(pv);
    if (compareQuantities(size, requested) < 0) continue;
    if (vc.volumeModeOf(pv.spec) !== claimMode) continue;
    if (pv.metadata?.deletionTimestamp !== undefined) continue;
    const affinityOk = options.node === undefined || volumeNodeAffinityMatches(pv, options.node);
    // A volume pre-bound to this claim (by the user or a provisioner) is the answer, or there is none.
    if (boundToClaim) return affinityOk ? pv : undefined;
    if (options.node === undefined && options.delayBinding) continue;
    if (str(o(pv.status).phase) !== 'Available') continue;
    if (selector !== undefined && selector !== null && !selectorMatches(selector, pv.metadata?.labels ?? {})) continue;
    if (vc.persistentVolumeClass(pv) !== requestedClass) continue;
    if (!affinityOk) continue;
    if (options.node !== undefined && !checkAccessModes(claim, pv)) continue;
    if (smallest === undefined || compareQuantities(volumeStorage(smallest), size) > 0) smallest = pv;
  }
  return smallest;
}

/**
 * The binder's search: volumes grouped by their set of access modes; the groups that offer every mode the claim asks
 * for, fewest modes first; the first group with a match gives the volume.
 */
export function findBestMatch(claim: KubeObject, volumes: readonly KubeObject[], options: MatchOptions): KubeObject | undefined {
  const groups = new Map<string, KubeObject[]>();
  for (const pv of volumes) {
    const key = [...new Set(accessModes(pv))].sort().join(',');
    groups.set(key, [...(groups.get(key) ?? []), pv]);
  }
  const wanted = accessModes(claim);
  const ordered = [...groups.entries()]
    .map(([key, list]) => ({ modes: key === '' ? [] : key.split(','), list, key }))
    .filter((g) => wanted.every((m) => g.modes.includes(m)))
    .sort((a, b) => a.modes.length - b.modes.length || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const g of ordered) {
    const found = findMatchingVolume(claim, g.list, options);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Whether the claim's binding waits for a consumer: its class says WaitForFirstConsumer and no node is chosen yet. */
export function shouldDelayBinding(claim: KubeObject, storageClass: KubeObject | undefined): boolean {
  if (claim.metadata?.annotations?.[ANN_SELECTED_NODE] !== undefined) return false;
  return storageClass !== undefined && str(storageClass.volumeBindingMode) === 'WaitForFirstConsumer';
}

/** Why a volume the claim names (spec.volumeName) cannot serve it, as kube's checkVolumeSatisfyClaim words it. */
export function volumeMismatch(pv: KubeObject, claim: KubeObject): string | undefined {
  if (compareQuantities(volumeStorage(pv), requestedStorage(claim)) < 0) return 'requested PV is too small';
  if (vc.persistentVolumeClass(pv) !== vc.claimStorageClass(claim)) return 'storageClassName does not match';
  if (vc.volumeModeOf(pv.spec) !== vc.volumeModeOf(claim.spec)) return 'incompatible volumeMode';
  if (!checkAccessModes(claim, pv)) return 'incompatible accessMode';
  return undefined;
}

/** The claims a pod's volumes name (persistentVolumeClaim sources), in its namespace. */
export function podClaimNames(pod: KubeObject): string[] {
  return arr(o(pod.spec).volumes)
    .map((v) => str(o(v.persistentVolumeClaim).claimName))
    .filter((n) => n !== '');
}

/**
 * kube's podIsShutDown: the kubelet is done with the pod (deleted with grace 0 after it stopped) or it was
 * force-deleted. Such a pod no longer holds its claims.
 */
export function podIsShutDown(pod: KubeObject): boolean {
  return pod.metadata?.deletionTimestamp !== undefined && pod.metadata?.deletionGracePeriodSeconds === 0;
}
