// core/v1 replicationcontrollers: a map selector defaulted from the template's labels (and the object's labels too,
// as SetDefaults_ReplicationController does), replicas 1, `/scale` and `/status`.
import { cause, type StatusCause } from '../../rest/status.ts';
import { AGE_COLUMN, age, column, NAME_COLUMN } from '../../rest/table.ts';
import { mapSelectorText, selectorMatches } from '../label-selector.ts';
import { defaultPodTemplate, validatePodTemplate } from '../pod-spec.ts';
import { SCALE_SUBRESOURCE, type ResourceDef } from '../resource-def.ts';
import { child, o } from '../values.ts';
import { CONTAINERS_COLUMN, count, IMAGES_COLUMN, SELECTOR_COLUMN, templateContainers, templateLabelsMismatch, validateReplicas } from '../workload.ts';

export const replicationcontrollers: ResourceDef = {
  group: '',
  version: 'v1',
  resource: 'replicationcontrollers',
  singular: 'replicationcontroller',
  kind: 'ReplicationController',
  namespaced: true,
  shortNames: ['rc'],
  categories: ['all'],
  hasStatus: true,
  tracksGeneration: true,
  deleteReturnsObject: false,
  subresources: [SCALE_SUBRESOURCE],
  scale: { selector: (rc) => mapSelectorText(o(rc.spec).selector) },
  printer: {
    columns: [
      NAME_COLUMN,
      column('Desired', 'Replicas is the number of desired replicas.', { type: 'integer' }),
      column('Current', 'Replicas is the most recently observed number of replicas.', { type: 'integer' }),
      column('Ready', 'The number of ready replicas for this replication controller.', { type: 'integer' }),
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
      { ...SELECTOR_COLUMN, description: 'Selector is a label query over pods that should match the Replicas count.' },
    ],
    cells: (rc, now) => {
      const spec = o(rc.spec);
      return [rc.metadata?.name, spec.replicas ?? 0, count(rc.status, 'replicas'), count(rc.status, 'readyReplicas'), age(rc.metadata?.creationTimestamp, now), ...templateContainers(spec.template), mapSelectorText(spec.selector) || '<none>'];
    },
  },
  selectableFields: { 'status.replicas': (rc) => String(count(rc.status, 'replicas')) },
  defaults(rc) {
    const spec = child(rc, 'spec');
    const labels = o(o(o(spec.template).metadata).labels);
    if (Object.keys(o(spec.selector)).length === 0 && Object.keys(labels).length > 0) spec.selector = { ...labels };
    if (rc.metadata !== undefined && Object.keys(rc.metadata.labels ?? {}).length === 0 && Object.keys(labels).length > 0) rc.metadata.labels = { ...(labels as Record<string, string>) };
    spec.replicas ??= 1;
    if (spec.template !== undefined) defaultPodTemplate(spec);
  },
  validate(rc) {
    const spec = o(rc.spec);
    const causes: StatusCause[] = [...validateReplicas(spec)];
    const selector = o(spec.selector);
    if (Object.keys(selector).length === 0) causes.push(cause.required('spec.selector'));
    if (spec.template === undefined) causes.push(cause.required('spec.template'));
    else {
      const labels = o(o(spec.template).metadata).labels;
      if (!selectorMatches({ matchLabels: selector }, labels)) causes.push(templateLabelsMismatch(labels));
      causes.push(...validatePodTemplate(spec, 'spec.template', ['Always']));
    }
    return causes;
  },
  validateUpdate: () => [],
};
