// core/v1 namespaces: cluster-scoped, DNS-1123 label names, the `kubernetes` finalizer and the name label.
import { AGE_COLUMN, age, column, NAME_COLUMN } from '../../rest/table.ts';
import { noCauses, type ResourceDef } from '../resource-def.ts';
import { o, str } from '../values.ts';

export const namespaces: ResourceDef = {
  group: '',
  version: 'v1',
  resource: 'namespaces',
  singular: 'namespace',
  kind: 'Namespace',
  namespaced: false,
  shortNames: ['ns'],
  categories: [],
  hasStatus: true,
  tracksGeneration: false,
  deleteReturnsObject: true,
  nameRule: 'label',
  printer: {
    columns: [NAME_COLUMN, column('Status', 'The status of the namespace'), AGE_COLUMN],
    cells: (obj, now) => [obj.metadata?.name, str(o(obj.status).phase), age(obj.metadata?.creationTimestamp, now)],
  },
  selectableFields: { 'status.phase': (obj) => str(o(obj.status).phase) },
  defaults(obj) {
    const spec = o(obj.spec);
    if (!Array.isArray(spec.finalizers)) spec.finalizers = ['kubernetes'];
    obj.spec = spec;
    const status = o(obj.status);
    if (str(status.phase) === '') status.phase = 'Active';
    obj.status = status;
    const name = obj.metadata?.name;
    if (obj.metadata !== undefined && name !== undefined) {
      obj.metadata.labels = { ...(obj.metadata.labels ?? {}), 'kubernetes.io/metadata.name': name };
    }
  },
  validate: noCauses,
  validateUpdate: noCauses,
};
