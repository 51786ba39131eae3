// apps/v1 statefulsets: OrderedReady, RollingUpdate with partition 0, replicas 1, revisionHistoryLimit 10, PVC
// retention Retain/Retain, volumeClaimTemplates defaulted and validated as claims; `/scale` and `/status`.
import { cause, type StatusCause } from '../../rest/status.ts';
import { AGE_COLUMN, age, column, NAME_COLUMN } from '../../rest/table.ts';
import { SCALE_SUBRESOURCE, type ResourceDef } from '../resource-def.ts';
import { arr, o, str, type Obj } from '../values.ts';
import { defaultClaimSpec, validateClaimSpec } from '../core/persistentvolumeclaims.ts';
import { CONTAINERS_COLUMN, count, IMAGES_COLUMN, labelSelectorText, templateContainers } from '../workload.ts';
import { APPS_V1, appsDefaults, appsValidate } from './apps-common.ts';

const POLICIES = ['OrderedReady', 'Parallel'];
const STRATEGIES = ['OnDelete', 'RollingUpdate'];

function validateStatefulSet(spec: Obj): StatusCause[] {
  const causes: StatusCause[] = [];
  const policy = str(spec.podManagementPolicy);
  if (!POLICIES.includes(policy)) causes.push(cause.notSupported('spec.podManagementPolicy', policy, POLICIES));
  const type = str(o(spec.updateStrategy).type);
  if (!STRATEGIES.includes(type)) causes.push(cause.notSupported('spec.updateStrategy.type', type, STRATEGIES));
  arr(spec.volumeClaimTemplates).forEach((t, i) => causes.push(...validateClaimSpec(o(t.spec), `spec.volumeClaimTemplates[${i}].spec`)));
  return causes;
}

export const statefulsets: ResourceDef = {
  ...APPS_V1,
  resource: 'statefulsets',
  singular: 'statefulset',
  kind: 'StatefulSet',
  shortNames: ['sts'],
  subresources: [SCALE_SUBRESOURCE],
  scale: { selector: labelSelectorText },
  printer: {
    columns: [NAME_COLUMN, column('Ready', 'Number of the pod with ready state'), AGE_COLUMN, CONTAINERS_COLUMN, IMAGES_COLUMN],
    cells: (sts, now) => {
      const spec = o(sts.spec);
      return [sts.metadata?.name, `${count(sts.status, 'readyReplicas')}/${typeof spec.replicas === 'number' ? spec.replicas : 0}`, age(sts.metadata?.creationTimestamp, now), ...templateContainers(spec.template)];
    },
  },
  selectableFields: {},
  defaults: appsDefaults((spec) => {
    spec.replicas ??= 1;
    spec.podManagementPolicy ??= 'OrderedReady';
    const strategy = o(spec.updateStrategy);
    strategy.type ??= 'RollingUpdate';
    if (strategy.type === 'RollingUpdate') {
      const rolling = o(strategy.rollingUpdate);
      rolling.partition ??= 0;
      strategy.rollingUpdate = rolling;
    }
    spec.updateStrategy = strategy;
    spec.revisionHistoryLimit ??= 10;
    spec.persistentVolumeClaimRetentionPolicy ??= { whenDeleted: 'Retain', whenScaled: 'Retain' };
    // Each template is defaulted as a claim is (SetDefaults_PersistentVolumeClaim and its spec's).
    for (const template of arr(spec.volumeClaimTemplates)) {
      template.apiVersion ??= 'v1';
      template.kind ??= 'PersistentVolumeClaim';
      const claimSpec = o(template.spec);
      defaultClaimSpec(claimSpec);
      template.spec = claimSpec;
      const status = o(template.status);
      status.phase ??= 'Pending';
      template.status = status;
    }
  }),
  validate: appsValidate('statefulset', validateStatefulSet),
};
