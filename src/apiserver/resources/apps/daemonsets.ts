// apps/v1 daemonsets: updateStrategy RollingUpdate (maxUnavailable 1, maxSurge 0), revisionHistoryLimit 10; no scale.
import type { KubeObject } from '../../types.ts';
import { cause, type StatusCause } from '../../rest/status.ts';
import { AGE_COLUMN, age, column, NAME_COLUMN } from '../../rest/table.ts';
import type { ResourceDef } from '../resource-def.ts';
import { o, str, type Obj } from '../values.ts';
import { CONTAINERS_COLUMN, count, IMAGES_COLUMN, labelSelectorText, SELECTOR_COLUMN, templateContainers } from '../workload.ts';
import { APPS_V1, appsDefaults, appsValidate } from './apps-common.ts';

const STRATEGIES = ['OnDelete', 'RollingUpdate'];

function nodeSelector(ds: KubeObject): string {
  const selector = Object.entries(o(o(o(o(ds.spec).template).spec).nodeSelector))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${String(v)}`);
  return selector.length === 0 ? '<none>' : selector.join(',');
}

function validateUpdateStrategy(spec: Obj): StatusCause[] {
  const type = str(o(spec.updateStrategy).type);
  return STRATEGIES.includes(type) ? [] : [cause.notSupported('spec.updateStrategy.type', type, STRATEGIES)];
}

export const daemonsets: ResourceDef = {
  ...APPS_V1,
  resource: 'daemonsets',
  singular: 'daemonset',
  kind: 'DaemonSet',
  shortNames: ['ds'],
  printer: {
    columns: [
      NAME_COLUMN,
      column('Desired', 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).', { type: 'integer' }),
      column('Current', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.', { type: 'integer' }),
      column('Ready', 'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.', { type: 'integer' }),
      column('Up-to-date', 'The total number of nodes that are running updated daemon pod', { type: 'integer' }),
      column('Available', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)', { type: 'integer' }),
      column('Node Selector', 'NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node\'s labels for the pod to be scheduled on that node.'),
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
      { ...SELECTOR_COLUMN, description: 'A label query over pods that are managed by the daemon set.' },
    ],
    cells: (ds, now) => {
      const s = ds.status;
      return [
        ds.metadata?.name,
        count(s, 'desiredNumberScheduled'),
        count(s, 'currentNumberScheduled'),
        count(s, 'numberReady'),
        count(s, 'updatedNumberScheduled'),
        count(s, 'numberAvailable'),
        nodeSelector(ds),
        age(ds.metadata?.creationTimestamp, now),
        ...templateContainers(o(ds.spec).template),
        labelSelectorText(ds) || '<none>',
      ];
    },
  },
  selectableFields: {},
  defaults: appsDefaults((spec) => {
    const strategy = o(spec.updateStrategy);
    strategy.type ??= 'RollingUpdate';
    if (strategy.type === 'RollingUpdate') {
      const rolling = o(strategy.rollingUpdate);
      rolling.maxUnavailable ??= 1;
      rolling.maxSurge ??= 0;
      strategy.rollingUpdate = rolling;
    }
    spec.updateStrategy = strategy;
    spec.revisionHistoryLimit ??= 10;
  }),
  validate: appsValidate('daemonset', validateUpdateStrategy),
};
