// apps/v1 controllerrevisions: the immutable snapshots DaemonSets and StatefulSets keep of their templates. `data` is
// required and never changes; the printer names the controller as kubectl does (`DaemonSet.apps/name`).
import { cause, type StatusCause } from '../../rest/status.ts';
import { AGE_COLUMN, age, column, NAME_COLUMN } from '../../rest/table.ts';
import type { KubeObject } from '../../types.ts';
import { noDefaults, type ResourceDef } from '../resource-def.ts';
import { arr, str } from '../values.ts';

/** The controller owner as a GroupKind and name: "DaemonSet.apps/ds", "<none>" when there is none. */
function controllerOf(obj: KubeObject): string {
  const ref = arr(obj.metadata?.ownerReferences).find((r) => r.controller === true);
  if (ref === undefined) return '<none>';
  const apiVersion = str(ref.apiVersion);
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  return `${str(ref.kind)}${group === '' ? '' : `.${group}`}/${str(ref.name)}`;
}

export const controllerrevisions: ResourceDef = {
  group: 'apps',
  version: 'v1',
  resource: 'controllerrevisions',
  singular: 'controllerrevision',
  kind: 'ControllerRevision',
  namespaced: true,
  shortNames: [],
  categories: [],
  hasStatus: false,
  tracksGeneration: false,
  deleteReturnsObject: false,
  printer: {
    columns: [NAME_COLUMN, column('Controller', 'Controller of the object'), column('Revision', 'Revision of the ControllerRevision', { type: 'integer' }), AGE_COLUMN],
    cells: (cr, now) => [cr.metadata?.name, controllerOf(cr), typeof cr.revision === 'number' ? cr.revision : 0, age(cr.metadata?.creationTimestamp, now)],
  },
  selectableFields: {},
  defaults: noDefaults,
  validate(cr) {
    const causes: StatusCause[] = [];
    if (cr.data === undefined || cr.data === null) causes.push(cause.required('data', 'data is mandatory'));
    if (typeof cr.revision === 'number' && cr.revision < 0) causes.push(cause.invalid('revision', cr.revision, 'must be greater than or equal to 0'));
    return causes;
  },
  validateUpdate(next, old) {
    return JSON.stringify(next.data) === JSON.stringify(old.data) ? [] : [{ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(next.data)}: field is immutable`, field: 'data' }];
  },
};
