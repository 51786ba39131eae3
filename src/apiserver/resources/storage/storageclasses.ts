// storage.k8s.io/v1 storageclasses: the classes of storage a cluster offers, read by provisioners outside the
// apiserver. Defaults, validation (a qualified provisioner name, supported policies, the parameters' size), the
// immutable fields on update and the printer (the default class marked "(default)") are kube-apiserver's.
import type { KubeObject } from '../../types.ts';
import { cause, type StatusCause } from '../../rest/status.ts';
import { AGE_COLUMN, age, column, NAME_COLUMN } from '../../rest/table.ts';
import { qualifiedNameProblems } from '../names.ts';
import type { ResourceDef } from '../resource-def.ts';
import { o, str } from '../values.ts';
import { isDefaultStorageClass } from '../core/volume-common.ts';

const RECLAIM_POLICIES = ['Delete', 'Retain'];
const BINDING_MODES = ['Immediate', 'WaitForFirstConsumer'];
const PARAMETERS_BYTES_MAX = 256 * 1024;

function validateStorageClass(sc: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const provisioner = str(sc.provisioner);
  if (provisioner === '') causes.push(cause.required('provisioner'));
  else if (provisioner.length > 253) causes.push({ reason: 'FieldValueTooLong', message: `Too long: may not be longer than 253`, field: 'provisioner' });
  else for (const p of qualifiedNameProblems(provisioner)) causes.push(cause.invalid('provisioner', provisioner, p));
  const parameters = o(sc.parameters);
  let size = 0;
  for (const [k, v] of Object.entries(parameters)) {
    if (k.length === 0) causes.push(cause.invalid('parameters', parameters, 'key cannot be empty'));
    size += k.length + String(v).length;
  }
  if (size > PARAMETERS_BYTES_MAX) causes.push({ reason: 'FieldValueTooLong', message: `Too long: may not be longer than ${PARAMETERS_BYTES_MAX}`, field: 'parameters' });
  const reclaim = str(sc.reclaimPolicy);
  if (!RECLAIM_POLICIES.includes(reclaim)) causes.push(cause.notSupported('reclaimPolicy', reclaim, RECLAIM_POLICIES));
  const mode = str(sc.volumeBindingMode);
  if (!BINDING_MODES.includes(mode)) causes.push(cause.notSupported('volumeBindingMode', mode, BINDING_MODES));
  return causes;
}

function validateStorageClassUpdate(next: KubeObject, old: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  if (JSON.stringify(sortedEntries(next.parameters)) !== JSON.stringify(sortedEntries(old.parameters))) causes.push(cause.forbidden('parameters', 'updates to parameters are forbidden.'));
  if (str(next.provisioner) !== str(old.provisioner)) causes.push(cause.forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if (str(next.reclaimPolicy) !== str(old.reclaimPolicy)) causes.push(cause.forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  if (str(next.volumeBindingMode) !== str(old.volumeBindingMode)) causes.push(cause.invalid('volumeBindingMode', next.volumeBindingMode, 'field is immutable'));
  return causes;
}

function sortedEntries(v: unknown): [string, unknown][] {
  return Object.entries(o(v)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export const storageclasses: ResourceDef = {
  group: 'storage.k8s.io',
  version: 'v1',
  resource: 'storageclasses',
  singular: 'storageclass',
  kind: 'StorageClass',
  namespaced: false,
  shortNames: ['sc'],
  categories: [],
  hasStatus: false,
  tracksGeneration: false,
  deleteReturnsObject: true,
  printer: {
    columns: [
      NAME_COLUMN,
      column('Provisioner', 'Indicates the type of the provisioner.'),
      column('ReclaimPolicy', 'Indicates the type of the reclaim policy.'),
      column('VolumeBindingMode', 'Indicates when volume binding and dynamic provisioning should occur.'),
      column('AllowVolumeExpansion', 'Indicates whether the storage class allow volume expand.'),
      AGE_COLUMN,
    ],
    cells: (sc, now) => [
      isDefaultStorageClass(sc) ? `${sc.metadata?.name} (default)` : sc.metadata?.name,
      str(sc.provisioner),
      str(sc.reclaimPolicy) || 'Delete',
      str(sc.volumeBindingMode) || 'Immediate',
      sc.allowVolumeExpansion === true,
      age(sc.metadata?.creationTimestamp, now),
    ],
  },
  selectableFields: {},
  defaults(sc) {
    sc.reclaimPolicy ??= 'Delete';
    sc.volumeBindingMode ??= 'Immediate';
  },
  validate: validateStorageClass,
  validateUpdate: validateStorageClassUpdate,
};
