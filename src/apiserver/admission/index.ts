// The door to admission: the rules kube-apiserver runs between decoding a write and storing it. NamespaceLifecycle
// (no new content in a Terminating namespace); Priority (pods get their PriorityClass's priority, one global default
// class); ResourceQuota (creates within the namespace's quotas); DefaultStorageClass and PersistentVolumeClaimResize
// (storage-class.ts). Mutating rules run before validation, validating rules after it, as upstream orders them.
// Rules reach other resources only through AdmissionObjects.
import type { KubeObject } from '../types.ts';
import type { AdmissionObjects, AdmissionTarget } from './objects.ts';
import { admitPodPriority, validateGlobalDefault } from './priority.ts';
import { admitToQuota } from './resource-quota.ts';
import { admitDefaultStorageClass, validateClaimResize } from './storage-class.ts';

export { admitCreateInNamespace } from './namespace-lifecycle.ts';
export type { AdmissionObjects, AdmissionTarget } from './objects.ts';

const isPods = (t: AdmissionTarget): boolean => t.group === '' && t.resource === 'pods';
const isPriorityClasses = (t: AdmissionTarget): boolean => t.group === 'scheduling.k8s.io' && t.resource === 'priorityclasses';
const isClaims = (t: AdmissionTarget): boolean => t.group === '' && t.resource === 'persistentvolumeclaims';

/** Mutating admission of a create, before validation. */
export async function mutateCreate(target: AdmissionTarget, obj: KubeObject, objects: AdmissionObjects): Promise<void> {
  if (isPods(target)) await admitPodPriority(target, obj, objects);
  if (isClaims(target)) await admitDefaultStorageClass(obj, objects);
}

/** Validating admission of a create, after validation and right before the write; charges quota unless `dryRun`. */
export async function validateCreate(target: AdmissionTarget, obj: KubeObject, objects: AdmissionObjects, dryRun: boolean): Promise<void> {
  if (isPriorityClasses(target)) await validateGlobalDefault(target, obj, objects, 'create');
  await admitToQuota(target, obj, objects, dryRun, Date.now());
}

/** Validating admission of an update (not through a subresource); `current` is the object being replaced. */
export async function validateUpdate(target: AdmissionTarget, next: KubeObject, objects: AdmissionObjects, current?: KubeObject): Promise<void> {
  if (isPriorityClasses(target)) await validateGlobalDefault(target, next, objects, 'update');
  if (isClaims(target) && current !== undefined) await validateClaimResize(target, next, current, objects);
}
