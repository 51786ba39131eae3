// The ReplicationController controller: the ReplicaSet controller's code path with RC's kind and its plain-map
// selector (which defaults to the template's labels in the apiserver).
import type { KubeObject } from '../../apiserver/index.ts';
import { RESOURCES } from '../client/resources.ts';
import type { ControllerDescriptor } from './common/controller-context.ts';
import { ReplicaManager, type ReplicaKind } from './replica-set.ts';

export const REPLICATION_CONTROLLER_KIND: ReplicaKind = {
  controllerName: 'replicationcontroller',
  ref: RESOURCES.replicationcontrollers,
  apiVersion: 'v1',
  kind: 'ReplicationController',
  selects: (owner: KubeObject, labels: Record<string, string>) => {
    const selector = ((owner.spec as { selector?: Record<string, string> }).selector ?? {}) as Record<string, string>;
    const entries = Object.entries(selector);
    return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
  },
};

export const replicationControllerController: ControllerDescriptor = {
  name: 'replicationcontroller',
  create: (ctx) => new ReplicaManager(ctx, REPLICATION_CONTROLLER_KIND),
};
