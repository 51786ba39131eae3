// The default ClusterRoles and ClusterRoleBindings kube-apiserver creates at start, trimmed to the kinds barque
// serves. Created when missing, never overwritten: an operator's edits survive restarts.
import type { KubeObject } from '../types.ts';
import type { PolicyRule } from './rbac-rules.ts';
import { AUTHENTICATED_GROUP, MASTERS_GROUP, UNAUTHENTICATED_GROUP } from './user.ts';

const RBAC = 'rbac.authorization.k8s.io';
const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];

const meta = (name: string) => ({
  name,
  labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
  annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
});

function clusterRole(name: string, rules: PolicyRule[]): KubeObject {
  return { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: meta(name), rules };
}

function binding(name: string, subjects: { kind: 'User' | 'Group'; name: string }[], role = name): KubeObject {
  return {
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: meta(name),
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role },
    subjects: subjects.map((s) => ({ apiGroup: RBAC, ...s })),
  };
}

const rule = (apiGroups: string[], resources: string[], verbs: string[]): PolicyRule => ({ apiGroups, resources, verbs });

/** Namespaced workload kinds the view/edit/admin roles cover (secrets only from edit up). */
const VIEWABLE: PolicyRule[] = [
  rule([''], ['configmaps', 'endpoints', 'persistentvolumeclaims', 'pods', 'pods/log', 'pods/status', 'replicationcontrollers', 'replicationcontrollers/scale', 'replicationcontrollers/status', 'serviceaccounts', 'services', 'services/status', 'events', 'namespaces', 'namespaces/status', 'limitranges', 'resourcequotas', 'resourcequotas/status'], READ),
  rule(['apps'], ['daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'statefulsets', 'statefulsets/scale', 'statefulsets/status'], READ),
  rule(['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status'], READ),
  rule(['batch'], ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status'], READ),
  rule(['networking.k8s.io'], ['ingresses', 'ingresses/status'], READ),
  rule(['discovery.k8s.io'], ['endpointslices'], READ),
];

const EDITABLE: PolicyRule[] = [
  rule([''], ['configmaps', 'endpoints', 'persistentvolumeclaims', 'pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'secrets', 'serviceaccounts', 'services'], WRITE),
  rule([''], ['pods/eviction'], ['create']),
  rule([''], ['secrets'], READ),
  rule(['apps'], ['daemonsets', 'deployments', 'deployments/scale', 'replicasets', 'replicasets/scale', 'statefulsets', 'statefulsets/scale'], WRITE),
  rule(['autoscaling'], ['horizontalpodautoscalers'], WRITE),
  rule(['batch'], ['cronjobs', 'jobs'], WRITE),
  rule(['networking.k8s.io'], ['ingresses'], WRITE),
  rule(['discovery.k8s.io'], ['endpointslices'], WRITE),
];

const DISCOVERY_URLS = ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/readyz', '/openapi', '/openapi/*', '/version', '/version/'];
const PUBLIC_INFO_URLS = ['/healthz', '/livez', '/readyz', '/version', '/version/'];

/** Everything the control plane's own groups touch, for the single identity that runs every controller. */
const CONTROLLER_GROUPS = ['', 'apps', 'autoscaling', 'batch', 'coordination.k8s.io', 'discovery.k8s.io', 'events.k8s.io', 'metrics.k8s.io', 'networking.k8s.io', 'policy', 'storage.k8s.io'];

export function bootstrapPolicy(): KubeObject[] {
  return [
    clusterRole('cluster-admin', [rule(['*'], ['*'], ['*']), { nonResourceURLs: ['*'], verbs: ['*'] }]),
    binding('cluster-admin', [{ kind: 'Group', name: MASTERS_GROUP }]),
    clusterRole('system:discovery', [{ nonResourceURLs: DISCOVERY_URLS, verbs: ['get'] }]),
    binding('system:discovery', [{ kind: 'Group', name: AUTHENTICATED_GROUP }]),
    clusterRole('system:public-info-viewer', [{ nonResourceURLs: PUBLIC_INFO_URLS, verbs: ['get'] }]),
    binding('system:public-info-viewer', [{ kind: 'Group', name: AUTHENTICATED_GROUP }, { kind: 'Group', name: UNAUTHENTICATED_GROUP }]),
    clusterRole('system:basic-user', [rule(['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'], ['create'])]),
    binding('system:basic-user', [{ kind: 'Group', name: AUTHENTICATED_GROUP }]),
    clusterRole('view', VIEWABLE),
    clusterRole('edit', [...VIEWABLE, ...EDITABLE]),
    clusterRole('admin', [...VIEWABLE, ...EDITABLE, rule([RBAC], ['roles', 'rolebindings'], [...READ, ...WRITE]), rule(['authorization.k8s.io'], ['localsubjectaccessreviews'], ['create'])]),
    clusterRole('system:kube-controller-manager', [rule(CONTROLLER_GROUPS, ['*'], ['*'])]),
    binding('system:kube-controller-manager', [{ kind: 'User', name: 'system:kube-controller-manager' }]),
    clusterRole('system:kube-scheduler', [
      rule(['', 'events.k8s.io'], ['events'], ['create', 'patch', 'update']),
      rule(['coordination.k8s.io'], ['leases'], ['create', 'get', 'list', 'watch', 'update', 'patch']),
      rule([''], ['pods'], [...READ, 'delete']),
      rule([''], ['bindings', 'pods/binding'], ['create']),
      rule([''], ['pods/status'], ['patch', 'update']),
      rule([''], ['nodes', 'namespaces', 'services', 'replicationcontrollers', 'persistentvolumeclaims', 'persistentvolumes'], READ),
      rule(['apps'], ['replicasets', 'statefulsets'], READ),
      rule(['policy'], ['poddisruptionbudgets'], READ),
    ]),
    binding('system:kube-scheduler', [{ kind: 'User', name: 'system:kube-scheduler' }]),
    // Kubernetes keeps system:node unbound: the Node authorizer gives nodes their rights. Bind it to widen them.
    clusterRole('system:node', [
      rule([''], ['nodes', 'pods', 'services', 'endpoints', 'namespaces'], READ),
      rule([''], ['nodes', 'nodes/status'], ['create', 'update', 'patch', 'delete']),
      rule([''], ['pods/status'], ['patch', 'update']),
      rule([''], ['pods'], ['delete']),
      rule([''], ['persistentvolumeclaims', 'persistentvolumes'], ['get']),
      rule(['', 'events.k8s.io'], ['events'], ['create', 'patch', 'update']),
      rule(['coordination.k8s.io'], ['leases'], ['get', 'create', 'update', 'patch', 'delete']),
      rule(['discovery.k8s.io'], ['endpointslices'], READ),
      rule(['networking.k8s.io'], ['ingresses'], READ),
    ]),
    binding('system:node', []),
  ];
}
