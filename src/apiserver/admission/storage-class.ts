// Two of kube-apiserver's storage admission plug-ins. DefaultStorageClass: a new claim that names no class (neither
// spec.storageClassName nor the beta annotation; an empty name counts as naming one) gets the default class, the
// newest one when several are marked default. PersistentVolumeClaimResize: a claim's storage request may grow only
// when it is bound and its class allows volume expansion.
import { forbidden } from '../rest/status.ts';
import { claimHasClass, claimStorageClass, defaultStorageClass } from '../resources/core/volume-common.ts';
import { parseQuantity, compareQuantities } from '../resources/quantity.ts';
import { child, o, str } from '../resources/values.ts';
import type { KubeObject } from '../types.ts';
import type { AdmissionObjects, AdmissionTarget } from './objects.ts';

const STORAGE = 'storage.k8s.io';
const STORAGE_CLASSES = 'storageclasses';

/** On claim create: spec.storageClassName from the default class, when the claim names none and one exists. */
export async function admitDefaultStorageClass(pvc: KubeObject, objects: AdmissionObjects): Promise<void> {
  if (claimHasClass(pvc)) return;
  const classes = await objects.list(STORAGE, STORAGE_CLASSES, '');
  const found = defaultStorageClass(classes ?? []);
  if (found === undefined) return;
  child(pvc, 'spec').storageClassName = found.metadata?.name ?? '';
}

const requestedStorage = (pvc: KubeObject) => parseQuantity(o(o(o(pvc.spec).resources).requests).storage);

/** On claim update: a larger storage request needs a bound claim whose class has allowVolumeExpansion. */
export async function validateClaimResize(target: AdmissionTarget, next: KubeObject, old: KubeObject, objects: AdmissionObjects): Promise<void> {
  const newSize = requestedStorage(next);
  const oldSize = requestedStorage(old);
  if (newSize === undefined || oldSize === undefined || compareQuantities(newSize, oldSize) <= 0) return;
  const name = next.metadata?.name ?? '';
  if (str(o(old.status).phase) !== 'Bound') throw forbidden(target, name, 'Only bound persistent volume claims can be expanded');
  const className = claimStorageClass(old);
  const sc = className === '' ? null : await objects.get(STORAGE, STORAGE_CLASSES, '', className);
  if (sc === null || sc === undefined || sc.allowVolumeExpansion !== true) {
    throw forbidden(target, name, 'only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize');
  }
}
