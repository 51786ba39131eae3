// The kinds the garbage collector follows ownerReferences between: apiVersion + kind → the resource to watch and
// read, and whether it is namespaced (an owner lives in its dependent's namespace, or is cluster-scoped).
import { RESOURCES, type ResourceRef } from '../client/index.ts';

export interface GcKind {
  apiVersion: string;
  kind: string;
  ref: ResourceRef;
  namespaced: boolean;
}

const kind = (apiVersion: string, k: string, ref: ResourceRef, namespaced = true): GcKind => ({ apiVersion, kind: k, ref, namespaced });

export const GC_KINDS: readonly GcKind[] = [
  kind('v1', 'Pod', RESOURCES.pods),
  kind('v1', 'Service', RESOURCES.services),
  kind('v1', 'Endpoints', RESOURCES.endpoints),
  kind('v1', 'ConfigMap', RESOURCES.configmaps),
  kind('v1', 'Secret', RESOURCES.secrets),
  kind('v1', 'ServiceAccount', RESOURCES.serviceaccounts),
  kind('v1', 'ReplicationController', RESOURCES.replicationcontrollers),
  kind('v1', 'PersistentVolumeClaim', RESOURCES.persistentvolumeclaims),
  kind('v1', 'Node', RESOURCES.nodes, false),
  kind('apps/v1', 'ReplicaSet', RESOURCES.replicasets),
  kind('apps/v1', 'Deployment', RESOURCES.deployments),
  kind('apps/v1', 'DaemonSet', RESOURCES.daemonsets),
  kind('apps/v1', 'StatefulSet', RESOURCES.statefulsets),
  kind('batch/v1', 'Job', RESOURCES.jobs),
  kind('batch/v1', 'CronJob', RESOURCES.cronjobs),
  kind('coordination.k8s.io/v1', 'Lease', RESOURCES.leases),
  kind('discovery.k8s.io/v1', 'EndpointSlice', RESOURCES.endpointslices),
];

/** The kind an ownerReference names; the version is ignored (an owner is the same object in any version). */
export function gcKindOf(apiVersion: string, k: string): GcKind | undefined {
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  return GC_KINDS.find((g) => g.kind === k && g.ref.group === group);
}
