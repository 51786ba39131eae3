// core/v1 persistentvolumeclaims (pvc), namespaced, with status: a request for storage that the controller-manager's
// binder binds to a PersistentVolume (or has provisioned). As kube-apiserver: volume mode Filesystem, phase Pending,
// the pvc-protection finalizer on create (StorageObjectInUseProtection; the pvc-protection controller removes it once
// no pod uses the claim), dataSource and dataSourceRef mirrored, validation with its texts (access modes, the
// storage request, class name, selector, data sources) and its update rule: the spec is immutable except that
// volumeName may be set once, a claim without a class may get one, and a bound claim's storage request may grow
// (never shrink). kube-apiserver 1.31's printer columns.
import type { KubeObject } from '../../types.ts';
import { cause, type StatusCause } from '../../rest/status.ts';
import { AGE_COLUMN, age, column, NAME_COLUMN } from '../../rest/table.ts';
import { validateLabelSelector } from '../label-selector.ts';
import { validateName } from '../names.ts';
import { compareQuantities, parseQuantity, ZERO } from '../quantity.ts';
import type { ResourceDef } from '../resource-def.ts';
import { o, str, type Obj } from '../values.ts';
import {
  accessModesText,
  addFinalizer,
  BETA_STORAGE_CLASS_ANNOTATION,
  canonicalizeField,
  claimStorageClass,
  jsonDiff,
  PVC_PROTECTION_FINALIZER,
  sameJson,
  validateAccessModes,
  validateVolumeMode,
} from './volume-common.ts';

const KIND = 'PersistentVolumeClaim';

function validateDataSource(ref: Obj, at: string, withNamespace: boolean): StatusCause[] {
  const causes: StatusCause[] = [];
  if (str(ref.name) === '') causes.push(cause.required(`${at}.name`));
  if (str(ref.kind) === '') causes.push(cause.required(`${at}.kind`));
  const group = str(ref.apiGroup);
  if (group === '' && str(ref.kind) !== 'PersistentVolumeClaim') causes.push(cause.invalid(at, str(ref.kind), "must be 'PersistentVolumeClaim' when referencing the default apiGroup"));
  if (group !== '') causes.push(...validateName(group, 'subdomain', `${at}.apiGroup`));
  if (withNamespace && str(ref.namespace) !== '') causes.push(...validateName(str(ref.namespace), 'label', `${at}.namespace`));
  return causes;
}

/** ValidatePersistentVolumeClaimSpec, for claims and for the claim templates of StatefulSets. */
export function validateClaimSpec(spec: Obj, at: string): StatusCause[] {
  const causes = validateAccessModes(spec.accessModes, `${at}.accessModes`, 'at least 1 access mode is required');
  if (spec.selector !== undefined && spec.selector !== null) causes.push(...validateLabelSelector(spec.selector, `${at}.selector`));
  const requests = o(o(spec.resources).requests);
  const storageField = `${at}.resources[storage]`;
  if (!('storage' in requests)) causes.push(cause.required(storageField));
  else {
    const q = parseQuantity(requests.storage);
    if (q !== undefined && compareQuantities(q, ZERO) <= 0) causes.push(cause.invalid(storageField, String(requests.storage), 'must be greater than zero'));
  }
  const className = str(spec.storageClassName);
  if (className !== '') causes.push(...validateName(className, 'subdomain', `${at}.storageClassName`));
  causes.push(...validateVolumeMode(spec, `${at}.volumeMode`));
  const dataSource = spec.dataSource === undefined || spec.dataSource === null ? undefined : o(spec.dataSource);
  const dataSourceRef = spec.dataSourceRef === undefined || spec.dataSourceRef === null ? undefined : o(spec.dataSourceRef);
  if (dataSource !== undefined) causes.push(...validateDataSource(dataSource, `${at}.dataSource`, false));
  if (dataSourceRef !== undefined) causes.push(...validateDataSource(dataSourceRef, `${at}.dataSourceRef`, true));
  if (dataSourceRef !== undefined && str(dataSourceRef.namespace) !== '') {
    if (dataSource !== undefined) causes.push(cause.invalid(at, `${at}.dataSource`, 'may not be specified when dataSourceRef.namespace is specified'));
  } else if (dataSource !== undefined && dataSourceRef !== undefined) {
    const same = str(dataSource.apiGroup) === str(dataSourceRef.apiGroup) && str(dataSource.kind) === str(dataSourceRef.kind) && str(dataSource.name) === str(dataSourceRef.name);
    if (!same) causes.push(cause.invalid(at, `${at}.dataSource`, 'must match dataSourceRef'));
  }
  return causes;
}

function validateClaimUpdate(next: KubeObject, old: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = structuredClone(o(next.spec));
  const was = structuredClone(o(old.spec));
  // The binder sets volumeName once.
  if (str(was.volumeName) === '') was.volumeName = spec.volumeName;
  const oldAnnotation = old.metadata?.annotations?.[BETA_STORAGE_CLASS_ANNOTATION];
  const newAnnotation = next.metadata?.annotations?.[BETA_STORAGE_CLASS_ANNOTATION];
  const upgradeFromAnnotation =
    oldAnnotation !== undefined && was.storageClassName === undefined && typeof spec.storageClassName === 'string' && spec.storageClassName === oldAnnotation && (newAnnotation === undefined || newAnnotation === oldAnnotation);
  if (upgradeFromAnnotation) {
    delete spec.storageClassName;
  } else {
    if ((newAnnotation ?? '') !== (oldAnnotation ?? '')) causes.push(cause.invalid(`metadata.annotations.${BETA_STORAGE_CLASS_ANNOTATION}`, newAnnotation ?? '', 'field is immutable'));
    // A claim that names no class may get one (the binder gives it the default class retroactively).
    const fromNil = typeof spec.storageClassName === 'string' && (was.storageClassName === undefined || was.storageClassName === null) && (oldAnnotation === undefined || spec.storageClassName === oldAnnotation);
    if (fromNil) spec.storageClassName = was.storageClassName;
  }
  const bound = str(o(next.status).phase) === 'Bound';
  if (bound && spec.resources !== undefined) {
    const resources = o(spec.resources);
    const requests = { ...o(resources.requests) };
    const oldRequests = o(o(was.resources).requests);
    if ('storage' in oldRequests) requests.storage = oldRequests.storage;
    else delete requests.storage;
    spec.resources = { ...resources, requests };
  }
  if (!sameJson(spec, was)) {
    causes.push(cause.forbidden('spec', `spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n${jsonDiff(was, spec)}`));
  }
  const newSize = parseQuantity(o(o(o(next.spec).resources).requests).storage);
  const oldSize = parseQuantity(o(o(o(old.spec).resources).requests).storage);
  if (newSize !== undefined && oldSize !== undefined && compareQuantities(newSize, oldSize) < 0) {
    causes.push(cause.forbidden('spec.resources.requests.storage', 'field can not be less than previous value'));
  }
  if (str(o(next.spec).volumeMode) !== str(o(old.spec).volumeMode)) causes.push(cause.invalid('volumeMode', str(o(next.spec).volumeMode), 'field is immutable'));
  return causes;
}

/** AnyVolumeDataSource's backwards compatibility: each of dataSource and dataSourceRef filled from the other. */
function normalizeDataSources(spec: Obj): void {
  const source = spec.dataSource;
  const ref = spec.dataSourceRef;
  if (source !== undefined && source !== null && (ref === undefined || ref === null)) spec.dataSourceRef = { ...o(source) };
  else if (ref !== undefined && ref !== null && (source === undefined || source === null) && str(o(ref).namespace) === '') {
    const { namespace: _namespace, ...rest } = o(ref);
    spec.dataSource = rest;
  }
}

/** SetDefaults_PersistentVolumeClaimSpec plus canonical quantities; also what a StatefulSet's claim templates get. */
export function defaultClaimSpec(spec: Obj): void {
  spec.volumeMode ??= 'Filesystem';
  const resources = spec.resources;
  canonicalizeField(resources, 'requests', KIND);
  canonicalizeField(resources, 'limits', KIND);
  // The VolumeAttributesClass gate is off in 1.31: kube-apiserver drops the field from what it stores.
  delete spec.volumeAttributesClassName;
}

export const persistentvolumeclaims: ResourceDef = {
  group: '',
  version: 'v1',
  resource: 'persistentvolumeclaims',
  singular: 'persistentvolumeclaim',
  kind: KIND,
  namespaced: true,
  shortNames: ['pvc'],
  categories: [],
  hasStatus: true,
  tracksGeneration: false,
  deleteReturnsObject: true,
  printer: {
    columns: [
      NAME_COLUMN,
      column('Status', 'phase represents the current phase of PersistentVolumeClaim.'),
      column('Volume', 'volumeName is the binding reference to the PersistentVolume backing this claim.'),
      column('Capacity', 'capacity represents the actual resources of the underlying volume.'),
      column('Access Modes', 'accessModes contains the actual access modes the volume backing the PVC has. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes-1'),
      column('StorageClass', 'StorageClass of the pvc'),
      column('VolumeAttributesClass', 'VolumeAttributesClass of the pvc'),
      AGE_COLUMN,
      column('VolumeMode', 'volumeMode defines what type of volume is required by the claim. Value of Filesystem is implied when not included in claim spec.', { priority: 1 }),
    ],
    cells: (pvc, now) => {
      const spec = o(pvc.spec);
      const status = o(pvc.status);
      const volumeName = str(spec.volumeName);
      const capacity = o(status.capacity).storage;
      return [
        pvc.metadata?.name,
        pvc.metadata?.deletionTimestamp !== undefined ? 'Terminating' : str(status.phase),
        volumeName,
        volumeName === '' ? '' : typeof capacity === 'string' ? capacity : '0',
        volumeName === '' ? '' : accessModesText(status.accessModes),
        claimStorageClass(pvc),
        typeof spec.volumeAttributesClassName === 'string' ? spec.volumeAttributesClassName : '<unset>',
        age(pvc.metadata?.creationTimestamp, now),
        str(spec.volumeMode) || '<unset>',
      ];
    },
  },
  selectableFields: { name: (pvc) => pvc.metadata?.name ?? '' },
  defaults(pvc) {
    const spec = o(pvc.spec);
    defaultClaimSpec(spec);
    pvc.spec = spec;
    const status = o(pvc.status);
    status.phase ??= 'Pending';
    canonicalizeField(status, 'capacity', KIND);
    canonicalizeField(status, 'allocatedResources', KIND);
    pvc.status = status;
  },
  admit(pvc) {
    // Status is the binder's to set (PrepareForCreate clears it).
    pvc.status = { phase: 'Pending' };
    normalizeDataSources(o(pvc.spec));
    addFinalizer(pvc, PVC_PROTECTION_FINALIZER);
  },
  validate: (pvc) => validateClaimSpec(o(pvc.spec), 'spec'),
  validateUpdate: validateClaimUpdate,
};
