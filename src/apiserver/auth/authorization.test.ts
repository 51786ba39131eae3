import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../types.ts';
import { selfSubjectRulesReview } from './access-review.ts';
import { restAttributes } from './attributes.ts';
import { bootstrapPolicy } from './bootstrap-policy.ts';
import { chain, mastersAuthorizer } from './decision.ts';
import { grpcAttributes } from './grpc-guard.ts';
import { NodeAuthorizer } from './node-authorizer.ts';
import { RbacAuthorizer, staticPolicy } from './rbac-authorizer.ts';
import { forbidden } from './responses.ts';
import type { UserInfo } from './user.ts';

const alice: UserInfo = { name: 'alice', groups: ['dev', 'system:authenticated'] };
const node1: UserInfo = { name: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
const node2: UserInfo = { name: 'system:node:n2', groups: ['system:nodes', 'system:authenticated'] };
const rbac = 'rbac.authorization.k8s.io';

describe('request attributes', () => {
  it('classifies REST requests as RequestInfo does', () => {
    expect(restAttributes(alice, 'GET', '/api/v1/namespaces/default/pods?limit=500')).toMatchObject({ verb: 'list', resource: 'pods', namespace: 'default', name: '', resourceRequest: true });
    expect(restAttributes(alice, 'GET', '/api/v1/namespaces/default/pods?watch=true')).toMatchObject({ verb: 'watch' });
    expect(restAttributes(alice, 'PATCH', '/api/v1/namespaces/d/pods/web/status')).toMatchObject({ verb: 'patch', resource: 'pods', subresource: 'status', name: 'web' });
    expect(restAttributes(alice, 'DELETE', '/apis/apps/v1/namespaces/d/deployments')).toMatchObject({ verb: 'deletecollection', apiGroup: 'apps' });
    expect(restAttributes(alice, 'GET', '/api/v1/namespaces/kube-system')).toMatchObject({ verb: 'get', resource: 'namespaces', name: 'kube-system', namespace: 'kube-system' });
    expect(restAttributes(alice, 'PUT', '/api/v1/namespaces/x/finalize')).toMatchObject({ resource: 'namespaces', name: 'x', subresource: 'finalize' });
    expect(restAttributes(alice, 'GET', '/apis/apps/v1')).toMatchObject({ resourceRequest: false, path: '/apis/apps/v1', verb: 'get' });
    expect(restAttributes(alice, 'GET', '/healthz')).toMatchObject({ resourceRequest: false, path: '/healthz' });
  });
  it('maps gRPC methods to the same verbs', () => {
    const pods = { group: '', version: 'v1', resource: 'pods' };
    expect(grpcAttributes(alice, 'List', { resource: pods, namespace: 'd' })).toMatchObject({ verb: 'list', namespace: 'd', name: '' });
    expect(grpcAttributes(alice, 'UpdateStatus', { resource: pods, namespace: 'd', name: 'p' })).toMatchObject({ verb: 'update', subresource: 'status', name: 'p' });
    expect(grpcAttributes(alice, 'Create', { resource: pods, namespace: 'd', name: 'ignored', subresource: '' })).toMatchObject({ verb: 'create', name: '' });
    expect(grpcAttributes(alice, 'Create', { resource: pods, namespace: 'd', name: 'p', subresource: 'binding' })).toMatchObject({ verb: 'create', name: 'p', subresource: 'binding' });
  });
});

describe('forbidden messages', () => {
  it('words them as kube-apiserver does', () => {
    expect(forbidden(restAttributes(alice, 'GET', '/api/v1/namespaces/default/pods'), '').message).toBe(
      'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"',
    );
    expect(forbidden(restAttributes(alice, 'GET', '/apis/apps/v1/namespaces/d/deployments/web'), '').toStatus()).toMatchObject({
      message: 'deployments.apps "web" is forbidden: User "alice" cannot get resource "deployments" in API group "apps" in the namespace "d"',
      details: { name: 'web', group: 'apps', kind: 'deployments' },
      reason: 'Forbidden',
      code: 403,
    });
    expect(forbidden(restAttributes(alice, 'GET', '/api/v1/nodes'), '').message).toBe('nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope');
    expect(forbidden(restAttributes(alice, 'PUT', '/api/v1/namespaces/d/pods/p/status'), 'why').message).toBe(
      'pods "p" is forbidden: User "alice" cannot update resource "pods/status" in API group "" in the namespace "d": why',
    );
    expect(forbidden(restAttributes(alice, 'GET', '/metrics'), '').message).toBe('forbidden: User "alice" cannot get path "/metrics"');
  });
});

describe('RBAC', () => {
  const objects: KubeObject[] = [
    ...bootstrapPolicy(),
    { kind: 'Role', metadata: { namespace: 'team', name: 'pod-reader' }, rules: [{ apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list'] }] },
    { kind: 'Role', metadata: { namespace: 'team', name: 'one-cm' }, rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['cfg'], verbs: ['get'] }] },
    { kind: 'RoleBinding', metadata: { namespace: 'team', name: 'r1' }, roleRef: { kind: 'Role', name: 'pod-reader' }, subjects: [{ kind: 'User', name: 'alice' }] },
    { kind: 'RoleBinding', metadata: { namespace: 'team', name: 'r2' }, roleRef: { kind: 'Role', name: 'one-cm' }, subjects: [{ kind: 'Group', name: 'dev' }] },
    { kind: 'RoleBinding', metadata: { namespace: 'ops', name: 'r3' }, roleRef: { kind: 'ClusterRole', name: 'edit' }, subjects: [{ kind: 'ServiceAccount', name: 'deployer' }] },
  ];
  const authz = chain([mastersAuthorizer, new RbacAuthorizer(staticPolicy(objects))]);
  const can = async (user: UserInfo, method: string, url: string) => (await authz.authorize(restAttributes(user, method, url))).verdict;

  it('grants by RoleBinding only in its namespace, by verb, resource and subresource', async () => {
    expect(await can(alice, 'GET', '/api/v1/namespaces/team/pods')).toBe('allow');
    expect(await can(alice, 'GET', '/api/v1/namespaces/team/pods/p/log')).toBe('allow');
    expect(await can(alice, 'GET', '/api/v1/namespaces/team/pods/p/status')).toBe('no-opinion');
    expect(await can(alice, 'DELETE', '/api/v1/namespaces/team/pods/p')).toBe('no-opinion');
    expect(await can(alice, 'GET', '/api/v1/namespaces/other/pods')).toBe('no-opinion');
    expect(await can(alice, 'GET', '/api/v1/pods')).toBe('no-opinion');
  });
  it('honours resourceNames and group subjects', async () => {
    expect(await can(alice, 'GET', '/api/v1/namespaces/team/configmaps/cfg')).toBe('allow');
    expect(await can(alice, 'GET', '/api/v1/namespaces/team/configmaps/other')).toBe('no-opinion');
    expect(await can(alice, 'GET', '/api/v1/namespaces/team/configmaps')).toBe('no-opinion');
  });
  it('matches service accounts in the binding namespace, through a ClusterRole', async () => {
    const sa: UserInfo = { name: 'system:serviceaccount:ops:deployer', groups: ['system:authenticated'] };
    expect(await can(sa, 'POST', '/apis/apps/v1/namespaces/ops/deployments')).toBe('allow');
    expect(await can(sa, 'POST', '/apis/apps/v1/namespaces/team/deployments')).toBe('no-opinion');
    expect(await can(sa, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/ops/roles')).toBe('no-opinion');
  });
  it('lets system:masters do anything and authenticated users discover and ask about themselves', async () => {
    expect(await can({ name: 'root', groups: ['system:masters'] }, 'DELETE', '/api/v1/nodes/n1')).toBe('allow');
    expect(await can(alice, 'GET', '/apis/apps/v1')).toBe('allow');
    expect(await can(alice, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews')).toBe('allow');
    const anonymous: UserInfo = { name: 'system:anonymous', groups: ['system:unauthenticated'] };
    expect(await can(anonymous, 'GET', '/version')).toBe('allow');
    expect(await can(anonymous, 'GET', '/api')).toBe('no-opinion');
  });
  it('binds the scheduler and the controller manager users to their roles', async () => {
    const scheduler: UserInfo = { name: 'system:kube-scheduler', groups: ['system:authenticated'] };
    expect(await can(scheduler, 'POST', '/api/v1/namespaces/d/pods/p/binding')).toBe('allow');
    expect(await can(scheduler, 'DELETE', '/api/v1/nodes/n1')).toBe('no-opinion');
    const cm: UserInfo = { name: 'system:kube-controller-manager', groups: ['system:authenticated'] };
    expect(await can(cm, 'PUT', '/apis/apps/v1/namespaces/d/replicasets/r/status')).toBe('allow');
    expect(await can(cm, 'POST', `/apis/${rbac}/v1/clusterrolebindings`)).toBe('no-opinion');
  });
});

describe('SelfSubjectRulesReview', () => {
  const objects: KubeObject[] = [
    ...bootstrapPolicy(),
    { kind: 'Role', metadata: { namespace: 'team', name: 'one-cm' }, rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['cfg'], verbs: ['get'] }] },
    { kind: 'RoleBinding', metadata: { namespace: 'team', name: 'r2' }, roleRef: { kind: 'Role', name: 'one-cm' }, subjects: [{ kind: 'Group', name: 'dev' }] },
  ];
  const authz = chain([mastersAuthorizer, new NodeAuthorizer(async () => null), new RbacAuthorizer(staticPolicy(objects))]);
  const review = async (user: UserInfo, namespace: string) => (await selfSubjectRulesReview(user, { spec: { namespace } }, authz)).status as { resourceRules: { resources: string[]; resourceNames?: string[] }[]; nonResourceRules: { nonResourceURLs: string[] }[]; incomplete: boolean; evaluationError?: string };

  it("lists the rules of the caller's bindings in the namespace asked about, and the cluster-wide ones", async () => {
    const inTeam = await review(alice, 'team');
    expect(inTeam.resourceRules).toContainEqual({ verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['cfg'] });
    expect(inTeam.resourceRules).toContainEqual({ verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] });
    expect(inTeam.nonResourceRules.flatMap((r) => r.nonResourceURLs)).toContain('/version');
    expect(inTeam.incomplete).toBe(false);
    expect((await review(alice, 'other')).resourceRules.some((r) => r.resources.includes('configmaps'))).toBe(false);
  });
  it('gives masters the cluster-admin rules, and says a node\'s list is incomplete', async () => {
    const root = await review({ name: 'root', groups: ['system:masters', 'system:authenticated'] }, 'default');
    expect(root.resourceRules).toContainEqual({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] });
    expect(root.nonResourceRules).toContainEqual({ verbs: ['*'], nonResourceURLs: ['*'] });
    const node = await review(node1, 'default');
    expect(node).toMatchObject({ incomplete: true, evaluationError: 'node authorizer does not support user rule resolution' });
  });
  it('refuses a review without a namespace', async () => {
    await expect(selfSubjectRulesReview(alice, { spec: {} }, authz)).rejects.toThrow('no namespace on request');
  });
});

describe('Node authorizer', () => {
  const pods: Record<string, string> = { 'd/mine': 'n1', 'd/theirs': 'n2', 'd/unbound': '' };
  const authz = new NodeAuthorizer(async (ns, name) => pods[`${ns}/${name}`] ?? null);
  const decide = (method: string, url: string, user = node1) => authz.authorize(restAttributes(user, method, url));

  it('lets a node read pods and nodes and write its own Node', async () => {
    expect((await decide('GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dn1')).verdict).toBe('allow');
    expect((await decide('GET', '/api/v1/nodes/n2')).verdict).toBe('allow');
    expect((await decide('PATCH', '/api/v1/nodes/n1/status')).verdict).toBe('allow');
    expect(await decide('PATCH', '/api/v1/nodes/n2/status')).toEqual({ verdict: 'no-opinion', reason: 'node "n1" is not allowed to modify node "n2"' });
    expect((await decide('DELETE', '/api/v1/nodes/n2')).verdict).toBe('no-opinion');
  });
  it('lets a node update the status of and delete only the pods bound to it', async () => {
    expect((await decide('PUT', '/api/v1/namespaces/d/pods/mine/status')).verdict).toBe('allow');
    expect((await decide('DELETE', '/api/v1/namespaces/d/pods/mine')).verdict).toBe('allow');
    expect(await decide('PUT', '/api/v1/namespaces/d/pods/theirs/status')).toEqual({
      verdict: 'no-opinion',
      reason: 'node "n1" can only update pod status for pods with spec.nodeName set to itself',
    });
    expect((await decide('DELETE', '/api/v1/namespaces/d/pods/unbound')).verdict).toBe('no-opinion');
    expect((await decide('PUT', '/api/v1/namespaces/d/pods/mine')).verdict).toBe('no-opinion');
    expect((await decide('POST', '/api/v1/namespaces/d/pods')).verdict).toBe('no-opinion');
  });
  it('limits leases to its own in kube-node-lease, allows events, and nothing else', async () => {
    expect((await decide('PUT', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1')).verdict).toBe('allow');
    expect((await decide('PUT', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n2')).reason).toBe('can only access node lease with the same name as the requesting node');
    expect((await decide('GET', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/n1')).reason).toBe('can only access leases in the kube-node-lease namespace');
    expect((await decide('POST', '/api/v1/namespaces/d/events')).verdict).toBe('allow');
    expect((await decide('GET', '/api/v1/namespaces/d/secrets/s')).verdict).toBe('no-opinion');
    expect((await decide('POST', '/apis/apps/v1/namespaces/d/deployments')).verdict).toBe('no-opinion');
  });
  it('lets a node get only the secrets, config maps, claims and service accounts its pods reference', async () => {
    const bound = {
      metadata: { name: 'web', namespace: 'd' },
      spec: {
        nodeName: 'n1',
        serviceAccountName: 'runner',
        imagePullSecrets: [{ name: 'pull' }],
        containers: [{ name: 'c', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'env-cm', key: 'x' } } }], envFrom: [{ secretRef: { name: 'env-secret' } }] }],
        volumes: [
          { name: 'v', configMap: { name: 'vol-cm' } },
          { name: 'p', projected: { sources: [{ secret: { name: 'proj-secret' } }] } },
          { name: 'data', persistentVolumeClaim: { claimName: 'claim' } },
          { name: 'scratch', ephemeral: {} },
        ],
      },
    };
    const graph = new NodeAuthorizer(async () => null, async (ns, node) => (ns === 'd' && node === 'n1' ? [bound] : []));
    const ask = (method: string, url: string, user = node1) => graph.authorize(restAttributes(user, method, url));
    for (const url of ['secrets/pull', 'secrets/env-secret', 'secrets/proj-secret', 'configmaps/env-cm', 'configmaps/vol-cm', 'persistentvolumeclaims/claim', 'persistentvolumeclaims/web-scratch', 'serviceaccounts/runner']) {
      expect((await ask('GET', `/api/v1/namespaces/d/${url}`)).verdict).toBe('allow');
    }
    expect((await ask('POST', '/api/v1/namespaces/d/serviceaccounts/runner/token')).verdict).toBe('allow');
    expect(await ask('GET', '/api/v1/namespaces/d/secrets/other')).toEqual({ verdict: 'no-opinion', reason: "no relationship found between node 'n1' and this object" });
    expect((await ask('GET', '/api/v1/namespaces/e/secrets/pull')).reason).toBe("no relationship found between node 'n1' and this object");
    expect((await ask('GET', '/api/v1/namespaces/d/secrets/pull', node2)).reason).toBe("no relationship found between node 'n2' and this object");
    expect((await ask('GET', '/api/v1/namespaces/d/secrets')).reason).toBe('No Object name found');
    expect((await ask('PUT', '/api/v1/namespaces/d/secrets/pull')).reason).toBe('can only read resources of this type');
    expect((await ask('GET', '/api/v1/secrets')).reason).toBe('can only read namespaced object of this type');
    expect((await ask('GET', '/api/v1/namespaces/d/persistentvolumeclaims')).reason).toBe('can only get individual resources of this type');
    expect((await ask('POST', '/api/v1/namespaces/d/serviceaccounts')).reason).toBe('can only create tokens for individual service accounts');
    expect((await ask('DELETE', '/api/v1/namespaces/d/serviceaccounts/runner')).reason).toBe('can only create tokens for individual service accounts');
  });
  it('lets a node get a persistent volume only when a claim its pods reference is bound to it', async () => {
    const bound = { metadata: { name: 'web', namespace: 'd' }, spec: { nodeName: 'n1', volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'claim' } }] } };
    const volumes: Record<string, string> = { 'd/claim': 'pv-1', 'd/other': 'pv-2' };
    const graph = new NodeAuthorizer(
      async () => null,
      async (ns, node) => ((ns === '' || ns === 'd') && node === 'n1' ? [bound] : []),
      async (ns, claim) => volumes[`${ns}/${claim}`] ?? '',
    );
    const ask = (method: string, url: string, user = node1) => graph.authorize(restAttributes(user, method, url));
    expect((await ask('GET', '/api/v1/persistentvolumes/pv-1')).verdict).toBe('allow');
    expect(await ask('GET', '/api/v1/persistentvolumes/pv-2')).toEqual({ verdict: 'no-opinion', reason: "no relationship found between node 'n1' and this object" });
    expect((await ask('GET', '/api/v1/persistentvolumes/pv-1', node2)).verdict).toBe('no-opinion');
    expect((await ask('GET', '/api/v1/persistentvolumes')).reason).toBe('can only get individual resources of this type');
    expect((await ask('DELETE', '/api/v1/persistentvolumes/pv-1')).reason).toBe('can only get individual resources of this type');
  });
  it('has no opinion on users that are not nodes', async () => {
    expect((await decide('GET', '/api/v1/pods', alice)).verdict).toBe('no-opinion');
    expect((await decide('GET', '/api/v1/pods', { name: 'system:node:n1', groups: [] })).verdict).toBe('no-opinion');
  });
});
