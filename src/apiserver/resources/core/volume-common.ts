// What PersistentVolumes and PersistentVolumeClaims share: access modes (validation and kubectl's short form), the
// storage class an object names (the beta annotation first, as kube's helpers read it), volume modes, and resource
// lists stored with canonical quantities. The controller-manager's binder reads classes and modes through the same code.
import type { KubeObject } from '../../types.ts';
import { badRequest, cause, type StatusCause } from '../../rest/status.ts';
import { formatQuantity, parseQuantity, QUANTITY_SYNTAX_MESSAGE } from '../quantity.ts';
import { o, str, type Obj } from '../values.ts';

export const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
export const VOLUME_MODES = ['Block', 'Filesystem'];
export const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';
export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';
export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';

/** kubectl's short form, in the order kube's GetAccessModesAsString checks them: "RWO,ROX,RWX,RWOP". */
export function accessModesText(modes: unknown): string {
  const list = Array.isArray(modes) ? modes.map(String) : [];
  const short: [string, string][] = [
    ['ReadWriteOnce', 'RWO'],
    ['ReadOnlyMany', 'ROX'],
    ['ReadWriteMany', 'RWX'],
    ['ReadWriteOncePod', 'RWOP'],
  ];
  return short
    .filter(([mode]) => list.includes(mode))
    .map(([, s]) => s)
    .join(',');
}

/** A PersistentVolume's class: the beta annotation, else spec.storageClassName ('' = no class). */
export function persistentVolumeClass(pv: KubeObject): string {
  const annotated = pv.metadata?.annotations?.[BETA_STORAGE_CLASS_ANNOTATION];
  return annotated ?? str(o(pv.spec).storageClassName);
}

/** A claim's class: the beta annotation, else spec.storageClassName ('' = no class, or none asked for). */
export function claimStorageClass(pvc: KubeObject): string {
  const annotated = pvc.metadata?.annotations?.[BETA_STORAGE_CLASS_ANNOTATION];
  return annotated ?? str(o(pvc.spec).storageClassName);
}

/** Whether the claim names a class at all (an empty name counts): DefaultStorageClass leaves such claims alone. */
export function claimHasClass(pvc: KubeObject): boolean {
  if (pvc.metadata?.annotations?.[BETA_STORAGE_CLASS_ANNOTATION] !== undefined) return true;
  const name = o(pvc.spec).storageClassName;
  return name !== undefined && name !== null;
}

/** The volume mode of a PV or claim spec: Filesystem unless Block is asked for. */
export function volumeModeOf(spec: unknown): string {
  return str(o(spec).volumeMode) || 'Filesystem';
}

export function validateAccessModes(modes: unknown, field: string, requiredDetail = ''): StatusCause[] {
  const list = Array.isArray(modes) ? modes.map(String) : [];
  if (list.length === 0) return [cause.required(field, requiredDetail)];
  const causes: StatusCause[] = [];
  for (const mode of list) if (!ACCESS_MODES.includes(mode)) causes.push(cause.notSupported(field, mode, ACCESS_MODES));
  if (list.includes('ReadWriteOncePod') && list.some((m) => m !== 'ReadWriteOncePod' && ACCESS_MODES.includes(m))) {
    causes.push(cause.forbidden(field, 'may not use ReadWriteOncePod with other access modes'));
  }
  return causes;
}

export function validateVolumeMode(spec: Obj, field: string): StatusCause[] {
  const mode = spec.volumeMode;
  if (mode === undefined || mode === null || VOLUME_MODES.includes(str(mode))) return [];
  return [cause.notSupported(field, mode, VOLUME_MODES)];
}

/**
 * Every quantity of a resource list in canonical text ("1024Mi" stays, "1.5Gi" becomes "1536Mi"); a value that does
 * not parse is the decoding error kube-apiserver answers with (400) before any validation.
 */
export function canonicalResourceList(list: unknown, kind: string): Obj | undefined {
  if (list === undefined || list === null || typeof list !== 'object') return undefined;
  const out: Obj = {};
  for (const [name, value] of Object.entries(o(list))) {
    const q = parseQuantity(value);
    if (q === undefined) throw badRequest(`${kind} in version "v1" cannot be handled as a ${kind}: ${QUANTITY_SYNTAX_MESSAGE}`);
    out[name] = formatQuantity(q);
  }
  return out;
}

/** Replaces `parent[field]` by its canonical form when present. */
export function canonicalizeField(parent: unknown, field: string, kind: string): void {
  if (typeof parent !== 'object' || parent === null) return;
  const p = parent as Obj;
  const list = canonicalResourceList(p[field], kind);
  if (list !== undefined) p[field] = list;
}

/** Adds `finalizer` to the object's finalizers unless it is there (the StorageObjectInUseProtection admission). */
export function addFinalizer(obj: KubeObject, finalizer: string): void {
  const meta = obj.metadata ?? {};
  const finalizers = Array.isArray(meta.finalizers) ? meta.finalizers : [];
  if (!finalizers.includes(finalizer)) meta.finalizers = [...finalizers, finalizer];
  obj.metadata = meta;
}

/** Go's semantic comparison of two spec parts, key order ignored. */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function canonicalJson(v: unknown): string {
  if (v === undefined || v === null) return 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const entries = Object.entries(v as Obj)
      .filter(([, x]) => x !== undefined && x !== null)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** A short "-old / +new" account of what differs between two values, after kube's "immutable" messages. */
export function jsonDiff(old: unknown, next: unknown): string {
  const before = canonicalJson(old);
  const after = canonicalJson(next);
  return `-${before}\n+${after}`;
}

const DEFAULT_CLASS_ANNOTATIONS = ['storageclass.kubernetes.io/is-default-class', 'storageclass.beta.kubernetes.io/is-default-class'];

export function isDefaultStorageClass(sc: KubeObject): boolean {
  const annotations = sc.metadata?.annotations ?? {};
  return DEFAULT_CLASS_ANNOTATIONS.some((a) => annotations[a] === 'true');
}

/** The default StorageClass as kube's GetDefaultClass picks it: of several, the newest, then the first by name. */
export function defaultStorageClass(classes: readonly KubeObject[]): KubeObject | undefined {
  const created = (sc: KubeObject): number => Date.parse(sc.metadata?.creationTimestamp ?? '') || 0;
  const name = (sc: KubeObject): string => sc.metadata?.name ?? '';
  return classes
    .filter(isDefaultStorageClass)
    .sort((a, b) => created(b) - created(a) || (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0))[0];
}
