// core/v1 persistentvolumes (pv), cluster-scoped, with status: storage a cluster offers, bound one-to-one to claims
// by the controller-manager's binder. As kube-apiserver: reclaim policy Retain and volume mode Filesystem by default,
// phase Pending on create with lastPhaseTransitionTime (the binder makes it Available), the pv-protection finalizer
// added on create (StorageObjectInUseProtection), validation of access modes, capacity and the one volume source
// (hostPath, local, nfs and csi checked field by field), the source, volume mode and node affinity immutable, and
// kube-apiserver 1.31's printer columns.
import type { KubeObject } from '../../types.ts';
import { cause, type StatusCause } from '../../rest/status.ts';
import { AGE_COLUMN, age, column, NAME_COLUMN } from '../../rest/table.ts';
import { validateName } from '../names.ts';
import { compareQuantities, parseQuantity, ZERO } from '../quantity.ts';
import type { ResourceDef } from '../resource-def.ts';
import { o, str, type Obj } from '../values.ts';
import {
  accessModesText,
  addFinalizer,
  canonicalizeField,
  jsonDiff,
  persistentVolumeClass,
  PV_PROTECTION_FINALIZER,
  sameJson,
  validateAccessModes,
  validateVolumeMode,
} from './volume-common.ts';

const RECLAIM_POLICIES = ['Delete', 'Recycle', 'Retain'];
const HOST_PATH_TYPES = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];

/**
 * The PersistentVolumeSource fields, in the order kube's validation counts them, with the field name its "may not
 * specify more than 1 volume type" error carries (two differ from the JSON name, as upstream's do).
 */
const VOLUME_SOURCES: readonly [string, string][] = [
  ['hostPath', 'hostPath'],
  ['gcePersistentDisk', 'gcePersistentDisk'],
  ['awsElasticBlockStore', 'awsElasticBlockStore'],
  ['glusterfs', 'glusterfs'],
  ['flocker', 'flocker'],
  ['nfs', 'nfs'],
  ['rbd', 'rbd'],
  ['quobyte', 'quobyte'],
  ['cephfs', 'cephFS'],
  ['iscsi', 'iscsi'],
  ['cinder', 'cinder'],
  ['fc', 'fc'],
  ['flexVolume', 'flexVolume'],
  ['azureFile', 'azureFile'],
  ['vsphereVolume', 'vsphereVolume'],
  ['photonPersistentDisk', 'photonPersistentDisk'],
  ['portworxVolume', 'portworxVolume'],
  ['azureDisk', 'azureDisk'],
  ['scaleIO', 'scaleIO'],
  ['local', 'local'],
  ['storageos', 'storageos'],
  ['csi', 'csi'],
];

const nowTimestamp = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

function validatePathNoBacksteps(path: string, field: string): StatusCause[] {
  return path.split('/').includes('..') ? [cause.invalid(field, path, "must not contain '..'")] : [];
}

function validateSource(key: string, source: Obj, at: string): StatusCause[] {
  const causes: StatusCause[] = [];
  switch (key) {
    case 'hostPath':
    case 'local': {
      const path = str(source.path);
      if (path === '') return [cause.required(`${at}.path`)];
      causes.push(...validatePathNoBacksteps(path, `${at}.path`));
      if (key === 'hostPath') {
        const type = str(source.type);
        if (!HOST_PATH_TYPES.includes(type)) causes.push(cause.notSupported(`${at}.type`, type, HOST_PATH_TYPES));
      }
      break;
    }
    case 'nfs': {
      const path = str(source.path);
      if (str(source.server) === '') causes.push(cause.required(`${at}.server`));
      if (path === '') causes.push(cause.required(`${at}.path`));
      if (!path.startsWith('/')) causes.push(cause.invalid(`${at}.path`, path, 'must be an absolute path'));
      break;
    }
    case 'csi':
      if (str(source.driver) === '') causes.push(cause.required(`${at}.driver`));
      if (str(source.volumeHandle) === '') causes.push(cause.required(`${at}.volumeHandle`));
      break;
  }
  return causes;
}

function validateSources(spec: Obj): StatusCause[] {
  const causes: StatusCause[] = [];
  let count = 0;
  for (const [key, errorName] of VOLUME_SOURCES) {
    const source = spec[key];
    if (source === undefined || source === null) continue;
    // flexVolume always counts, as upstream's check for it forgets the "more than 1" test.
    if (count > 0 && key !== 'flexVolume') {
      causes.push(cause.forbidden(`spec.${errorName}`, 'may not specify more than 1 volume type'));
      continue;
    }
    count++;
    causes.push(...validateSource(key, o(source), `spec.${key}`));
    if (key === 'local' && (spec.nodeAffinity === undefined || spec.nodeAffinity === null)) {
      causes.push(cause.required('spec.nodeAffinity', 'Local volume requires node affinity'));
    }
  }
  if (count === 0) causes.push(cause.required('spec', 'must specify a volume type'));
  return causes;
}

function validateCapacity(spec: Obj): StatusCause[] {
  const causes: StatusCause[] = [];
  const capacity = o(spec.capacity);
  const names = Object.keys(capacity);
  if (names.length === 0) causes.push(cause.required('spec.capacity'));
  if (!('storage' in capacity) || names.length > 1) {
    const shown = names.length === 0 ? 'core.ResourceList(nil)' : JSON.stringify(capacity);
    causes.push({ reason: 'FieldValueNotSupported', message: `Unsupported value: ${shown}: supported values: "storage"`, field: 'spec.capacity' });
  }
  for (const [name, value] of Object.entries(capacity)) {
    const q = parseQuantity(value);
    if (q === undefined) continue;
    if (compareQuantities(q, ZERO) < 0) causes.push(cause.invalid(`spec.capacity[${name}]`, String(value), 'must be a valid resource quantity'));
    if (compareQuantities(q, ZERO) <= 0) causes.push(cause.invalid(`spec.capacity[${name}]`, String(value), 'must be greater than zero'));
  }
  return causes;
}

function validatePersistentVolume(pv: KubeObject): StatusCause[] {
  const spec = o(pv.spec);
  const causes = [...validateAccessModes(spec.accessModes, 'spec.accessModes'), ...validateCapacity(spec)];
  const reclaim = str(spec.persistentVolumeReclaimPolicy);
  if (reclaim !== '' && !RECLAIM_POLICIES.includes(reclaim)) causes.push(cause.notSupported('spec.persistentVolumeReclaimPolicy', reclaim, RECLAIM_POLICIES));
  causes.push(...validateSources(spec));
  const hostPath = o(spec.hostPath);
  if (str(hostPath.path).replace(/\/+$/, '') === '' && str(hostPath.path) !== '' && reclaim === 'Recycle') {
    causes.push(cause.forbidden('spec.persistentVolumeReclaimPolicy', "may not be 'recycle' for a hostPath mount of '/'"));
  }
  const className = str(spec.storageClassName);
  if (className !== '') causes.push(...validateName(className, 'subdomain', 'spec.storageClassName'));
  causes.push(...validateVolumeMode(spec, 'spec.volumeMode'));
  return causes;
}

/** The spec without what is not the volume source (PersistentVolumeSource is inlined in the spec). */
function volumeSource(spec: Obj): Obj {
  const source: Obj = {};
  for (const [key] of VOLUME_SOURCES) if (spec[key] !== undefined && spec[key] !== null) source[key] = spec[key];
  return source;
}

function validatePersistentVolumeUpdate(next: KubeObject, old: KubeObject): StatusCause[] {
  const spec = o(next.spec);
  const was = o(old.spec);
  const causes: StatusCause[] = [];
  const source = volumeSource(spec);
  const oldSource = volumeSource(was);
  // A CSI volume may gain a controllerExpandSecretRef it did not have.
  const oldCsi = o(oldSource.csi);
  if (oldSource.csi !== undefined && oldCsi.controllerExpandSecretRef === undefined && source.csi !== undefined) {
    source.csi = { ...o(source.csi) };
    delete (source.csi as Obj).controllerExpandSecretRef;
  }
  if (!sameJson(source, oldSource)) {
    causes.push(cause.forbidden('spec.persistentvolumesource', `spec.persistentvolumesource is immutable after creation\n${jsonDiff(oldSource, source)}`));
  }
  if (str(spec.volumeMode) !== str(was.volumeMode)) causes.push(cause.invalid('volumeMode', str(spec.volumeMode), 'field is immutable'));
  if (was.nodeAffinity !== undefined && was.nodeAffinity !== null && !sameJson(spec.nodeAffinity, was.nodeAffinity)) {
    causes.push(cause.invalid('nodeAffinity', spec.nodeAffinity ?? null, 'field is immutable'));
  }
  return causes;
}

/** The status strategy's lastPhaseTransitionTime: kept while the phase stays, set to now when it changes. */
function keepPhaseTransitionTime(next: KubeObject, old: KubeObject): void {
  const status = o(next.status);
  const was = o(old.status);
  const given = status.lastPhaseTransitionTime;
  if (str(status.phase) === str(was.phase)) {
    if (given === undefined || given === null) {
      if (was.lastPhaseTransitionTime !== undefined) status.lastPhaseTransitionTime = was.lastPhaseTransitionTime;
    }
  } else if (given === undefined || given === null || given === was.lastPhaseTransitionTime) {
    status.lastPhaseTransitionTime = nowTimestamp();
  }
  next.status = status;
}

export const persistentvolumes: ResourceDef = {
  group: '',
  version: 'v1',
  resource: 'persistentvolumes',
  singular: 'persistentvolume',
  kind: 'PersistentVolume',
  namespaced: false,
  shortNames: ['pv'],
  categories: [],
  hasStatus: true,
  tracksGeneration: false,
  deleteReturnsObject: true,
  printer: {
    columns: [
      NAME_COLUMN,
      column('Capacity', "capacity is the description of the persistent volume's resources and capacity. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#capacity"),
      column('Access Modes', 'accessModes contains all ways the volume can be mounted. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes'),
      column(
        'Reclaim Policy',
        'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim. Valid options are Retain (default for manually created PersistentVolumes), Delete (default for dynamically provisioned PersistentVolumes), and Recycle (deprecated). Recycle must be supported by the volume plugin underlying this PersistentVolume. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#reclaiming',
      ),
      column('Status', 'phase indicates if a volume is available, bound to a claim, or released by a claim. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#phase'),
      column(
        'Claim',
        'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName is the authoritative bind between PV and PVC. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#binding',
      ),
      column('StorageClass', 'StorageClass of the pv'),
      column('VolumeAttributesClass', 'VolumeAttributesClass of the pv'),
      column('Reason', 'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.'),
      AGE_COLUMN,
      column('VolumeMode', 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state. Value of Filesystem is implied when not included in spec.', { priority: 1 }),
    ],
    cells: (pv, now) => {
      const spec = o(pv.spec);
      const status = o(pv.status);
      const claimRef = spec.claimRef === undefined || spec.claimRef === null ? undefined : o(spec.claimRef);
      const capacity = o(spec.capacity).storage;
      return [
        pv.metadata?.name,
        typeof capacity === 'string' ? capacity : '0',
        accessModesText(spec.accessModes),
        str(spec.persistentVolumeReclaimPolicy),
        pv.metadata?.deletionTimestamp !== undefined ? 'Terminating' : str(status.phase),
        claimRef === undefined ? '' : `${str(claimRef.namespace)}/${str(claimRef.name)}`,
        persistentVolumeClass(pv),
        typeof spec.volumeAttributesClassName === 'string' ? spec.volumeAttributesClassName : '<unset>',
        str(status.reason),
        age(pv.metadata?.creationTimestamp, now),
        str(spec.volumeMode) || '<unset>',
      ];
    },
  },
  selectableFields: { name: (pv) => pv.metadata?.name ?? '' },
  defaults(pv) {
    const spec = o(pv.spec);
    canonicalizeField(spec, 'capacity', 'PersistentVolume');
    spec.persistentVolumeReclaimPolicy ??= 'Retain';
    spec.volumeMode ??= 'Filesystem';
    // The VolumeAttributesClass gate is off in 1.31: kube-apiserver drops the field from what it stores.
    delete spec.volumeAttributesClassName;
    // A plain string with omitempty in Go: "" (no class) is not stored.
    if (spec.storageClassName === '') delete spec.storageClassName;
    pv.spec = spec;
    const status = o(pv.status);
    status.phase ??= 'Pending';
    pv.status = status;
  },
  admit(pv) {
    // Status is the binder's to set; a new volume starts Pending, as PrepareForCreate leaves it.
    pv.status = { phase: 'Pending', lastPhaseTransitionTime: nowTimestamp() };
    addFinalizer(pv, PV_PROTECTION_FINALIZER);
  },
  keepOnUpdate: keepPhaseTransitionTime,
  validate: validatePersistentVolume,
  validateUpdate: validatePersistentVolumeUpdate,
};
