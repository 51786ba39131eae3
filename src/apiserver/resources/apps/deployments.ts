// apps/v1 deployments: RollingUpdate 25%/25%, revisionHistoryLimit 10, progressDeadlineSeconds 600, replicas 1.
import { cause, type StatusCause } from '../../rest/status.ts';
import { AGE_COLUMN, age, column, NAME_COLUMN } from '../../rest/table.ts';
import { SCALE_SUBRESOURCE, type ResourceDef } from '../resource-def.ts';
import { o, str, type Obj } from '../values.ts';
import { CONTAINERS_COLUMN, count, IMAGES_COLUMN, labelSelectorText, SELECTOR_COLUMN, templateContainers, validateNonNegative } from '../workload.ts';
import { APPS_V1, appsDefaults, appsValidate } from './apps-common.ts';

const STRATEGIES = ['Recreate', 'RollingUpdate'];

function validateStrategy(spec: Obj): StatusCause[] {
  const strategy = o(spec.strategy);
  const type = str(strategy.type);
  if (!STRATEGIES.includes(type)) return [cause.notSupported('spec.strategy.type', type, STRATEGIES)];
  if (type === 'Recreate' && strategy.rollingUpdate !== undefined) return [cause.forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'")];
  return [];
}

export const deployments: ResourceDef = {
  ...APPS_V1,
  resource: 'deployments',
  singular: 'deployment',
  kind: 'Deployment',
  shortNames: ['deploy'],
  subresources: [SCALE_SUBRESOURCE],
  scale: { selector: labelSelectorText },
  printer: {
    columns: [
      NAME_COLUMN,
      column('Ready', 'Number of the pod with ready state'),
      column('Up-to-date', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.', { type: 'integer' }),
      column('Available', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.', { type: 'integer' }),
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
      SELECTOR_COLUMN,
    ],
    cells: (d, now) => {
      const spec = o(d.spec);
      return [
        d.metadata?.name,
        `${count(d.status, 'readyReplicas')}/${typeof spec.replicas === 'number' ? spec.replicas : 0}`,
        count(d.status, 'updatedReplicas'),
        count(d.status, 'availableReplicas'),
        age(d.metadata?.creationTimestamp, now),
        ...templateContainers(spec.template),
        labelSelectorText(d) || '<none>',
      ];
    },
  },
  selectableFields: {},
  defaults: appsDefaults((spec) => {
    spec.replicas ??= 1;
    const strategy = o(spec.strategy);
    strategy.type ??= 'RollingUpdate';
    if (strategy.type === 'RollingUpdate') {
      const rolling = o(strategy.rollingUpdate);
      rolling.maxUnavailable ??= '25%';
      rolling.maxSurge ??= '25%';
      strategy.rollingUpdate = rolling;
    }
    spec.strategy = strategy;
    spec.revisionHistoryLimit ??= 10;
    spec.progressDeadlineSeconds ??= 600;
  }),
  validate: appsValidate('deployment', (spec) => [
    ...validateStrategy(spec),
    ...validateNonNegative(spec, 'revisionHistoryLimit'),
    ...validateNonNegative(spec, 'minReadySeconds'),
  ]),
};
