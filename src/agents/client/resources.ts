// The resources agents use, by name, so callers write `api.resource(RESOURCES.pods)`.
import type { ResourceRef } from './resource-client.ts';

const core = (resource: string): ResourceRef => ({ group: '', version: 'v1', resource });

export const RESOURCES = {
  namespaces: core('namespaces'),
  pods: core('pods'),
  nodes: core('nodes'),
  services: core('services'),
  endpoints: core('endpoints'),
  configmaps: core('configmaps'),
  secrets: core('secrets'),
  events: core('events'),
  serviceaccounts: core('serviceaccounts'),
  replicationcontrollers: core('replicationcontrollers'),
  resourcequotas: core('resourcequotas'),
  persistentvolumes: core('persistentvolumes'),
  persistentvolumeclaims: core('persistentvolumeclaims'),
  replicasets: { group: 'apps', version: 'v1', resource: 'replicasets' },
  deployments: { group: 'apps', version: 'v1', resource: 'deployments' },
  daemonsets: { group: 'apps', version: 'v1', resource: 'daemonsets' },
  statefulsets: { group: 'apps', version: 'v1', resource: 'statefulsets' },
  jobs: { group: 'batch', version: 'v1', resource: 'jobs' },
  cronjobs: { group: 'batch', version: 'v1', resource: 'cronjobs' },
  leases: { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' },
  endpointslices: { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' },
  poddisruptionbudgets: { group: 'policy', version: 'v1', resource: 'poddisruptionbudgets' },
  storageclasses: { group: 'storage.k8s.io', version: 'v1', resource: 'storageclasses' },
  horizontalpodautoscalers: { group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers' },
  /** metrics.k8s.io PodMetrics (list and get only; the apiserver builds them from the kubelets' stats). */
  podmetrics: { group: 'metrics.k8s.io', version: 'v1beta1', resource: 'pods' },
} as const satisfies Record<string, ResourceRef>;
