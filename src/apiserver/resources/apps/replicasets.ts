// apps/v1 replicasets: replicas 1, `/scale` and `/status`.
import { AGE_COLUMN, age, column, NAME_COLUMN } from '../../rest/table.ts';
import { SCALE_SUBRESOURCE, type ResourceDef } from '../resource-def.ts';
import { o } from '../values.ts';
import { CONTAINERS_COLUMN, count, IMAGES_COLUMN, labelSelectorText, SELECTOR_COLUMN, templateContainers, validateNonNegative } from '../workload.ts';
import { APPS_V1, appsDefaults, appsValidate } from './apps-common.ts';

export const replicasets: ResourceDef = {
  ...APPS_V1,
  resource: 'replicasets',
  singular: 'replicaset',
  kind: 'ReplicaSet',
  shortNames: ['rs'],
  subresources: [SCALE_SUBRESOURCE],
  scale: { selector: labelSelectorText },
  printer: {
    columns: [
      NAME_COLUMN,
      column('Desired', 'Replicas is the number of desired replicas.', { type: 'integer' }),
      column('Current', 'Replicas is the most recently observed number of replicas.', { type: 'integer' }),
      column('Ready', 'The number of ready replicas for this replica set.', { type: 'integer' }),
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
      { ...SELECTOR_COLUMN, description: 'Selector is a label query over pods that should match the replica count.' },
    ],
    cells: (rs, now) => {
      const spec = o(rs.spec);
      return [rs.metadata?.name, spec.replicas ?? 0, count(rs.status, 'replicas'), count(rs.status, 'readyReplicas'), age(rs.metadata?.creationTimestamp, now), ...templateContainers(spec.template), labelSelectorText(rs) || '<none>'];
    },
  },
  selectableFields: { 'status.replicas': (rs) => String(count(rs.status, 'replicas')) },
  defaults: appsDefaults((spec) => {
    spec.replicas ??= 1;
  }),
  validate: appsValidate('replicaset', (spec) => validateNonNegative(spec, 'minReadySeconds')),
};
