// The door to the resource table: every kind this apiserver serves, each declared in its own file.
import { controllerrevisions } from './apps/controllerrevisions.ts';
import { daemonsets } from './apps/daemonsets.ts';
import { deployments } from './apps/deployments.ts';
import { replicasets } from './apps/replicasets.ts';
import { statefulsets } from './apps/statefulsets.ts';
import { horizontalpodautoscalers, horizontalpodautoscalersV1 } from './autoscaling/horizontalpodautoscalers.ts';
import { cronjobs } from './batch/cronjobs.ts';
import { jobs } from './batch/jobs.ts';
import { leases } from './coordination/leases.ts';
import { configmaps, secrets } from './core/config.ts';
import { endpoints, serviceaccounts } from './core/endpoints.ts';
import { events } from './core/events.ts';
import { namespaces } from './core/namespaces.ts';
import { nodes } from './core/nodes.ts';
import { persistentvolumeclaims } from './core/persistentvolumeclaims.ts';
import { persistentvolumes } from './core/persistentvolumes.ts';
import { pods } from './core/pods.ts';
import { replicationcontrollers } from './core/replication-controllers.ts';
import { resourcequotas } from './core/resourcequotas.ts';
import { services } from './core/services.ts';
import { endpointslices } from './discovery/endpointslices.ts';
import { ingresses } from './networking/ingresses.ts';
import { networkpolicies } from './networking/networkpolicies.ts';
import { poddisruptionbudgets } from './policy/poddisruptionbudgets.ts';
import { clusterrolebindings, clusterroles, rolebindings, roles } from './rbac.ts';
import { priorityclasses } from './scheduling/priorityclasses.ts';
import { storageclasses } from './storage/storageclasses.ts';
import type { ResourceDef } from './resource-def.ts';

export * from './resource-def.ts';
export { nameRuleOf, validateName, type NameRule } from './names.ts';
export { selectorText, selectorMatches } from './label-selector.ts';
export { usesClusterIP, usesNodePorts } from './core/services.ts';
export { RBAC_GROUP } from './rbac.ts';
export { DISRUPTION_ALLOWED, pdbSelectsPod, withDisruptionAllowedCondition } from './policy/pdb-status.ts';
// What the controller-manager's quota controller measures with, the same code as the apiserver's quota admission.
export { calculateQuotaUsage, kindsCountedFor } from './core/quota-usage.ts';
export { parseResourceList, resourceListJson } from './quantity.ts';
// What the controller-manager's volume binder and provisioner read claims, volumes and classes with.
export * as volumes from './core/volume-common.ts';
export { defaultClaimSpec } from './core/persistentvolumeclaims.ts';

/** Everything served, in discovery order (core first, then groups as kube-apiserver lists them). */
export const BUILTIN_RESOURCES: readonly ResourceDef[] = [
  configmaps,
  endpoints,
  events,
  namespaces,
  nodes,
  persistentvolumeclaims,
  persistentvolumes,
  pods,
  replicationcontrollers,
  resourcequotas,
  secrets,
  serviceaccounts,
  services,
  controllerrevisions,
  daemonsets,
  deployments,
  replicasets,
  statefulsets,
  horizontalpodautoscalers,
  horizontalpodautoscalersV1,
  jobs,
  cronjobs,
  leases,
  ingresses,
  networkpolicies,
  endpointslices,
  poddisruptionbudgets,
  clusterrolebindings,
  clusterroles,
  rolebindings,
  roles,
  storageclasses,
  priorityclasses,
];
