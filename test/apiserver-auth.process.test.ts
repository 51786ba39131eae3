// Slow, multi-process: real etcd 3.4 + `bin/barque apiserver` over HTTPS with client-certificate and token
// authentication, RBAC and the Node authorizer; driven by kubectl 1.20 (and the newer kubectl when present), raw
// HTTPS calls and the agents' gRPC client (src/agents/client) with TLS.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiClient, StatusError } from '../src/agents/client/index.ts';
import { kubeconfigYaml } from '../src/apiserver/index.ts';
import { referenceBinary } from '../src/store/testing/reference-binaries.ts';
import { runKubectl, setupOnce } from './apiserver-harness.ts';
import { call, eventually, startSecureCluster, TOKENS, type SecureCluster } from './apiserver-auth-cluster.ts';

const NEWER_KUBECTL = '/usr/bin/kubectl';
const kubectls: { label: string; binary: () => string }[] = [{ label: '1.20', binary: () => referenceBinary('kubectl') }];
if (existsSync(NEWER_KUBECTL)) kubectls.push({ label: 'newer', binary: () => NEWER_KUBECTL });

const pod = (name: string, nodeName: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { nodeName, containers: [{ name: 'c', image: 'busybox' }] },
});

describe('apiserver security: HTTPS, authentication, RBAC, Node authorizer', () => {
  const cluster = setupOnce(startSecureCluster);
  afterAll(async () => {
    try {
      await cluster().stop();
    } catch {
      // setup failed: nothing to stop
    }
  });
  /** A kubeconfig with a bearer token instead of the admin certificate. */
  const tokenKubeconfig = (c: SecureCluster, user: keyof typeof TOKENS): string => {
    const path = join(c.dir, `kubeconfig-${user}`);
    writeFileSync(path, kubeconfigYaml(c.url, 'barque', 'default', { caPem: c.ca.certPem, token: TOKENS[user] }));
    return path;
  };

  it('refuses plain HTTP on the HTTPS port', async () => {
    const plain = cluster().url.replace('https://', 'http://');
    await expect(fetch(`${plain}/api`)).rejects.toThrow();
  });

  for (const { label, binary } of kubectls) {
    it(`kubectl ${label} works with the admin client certificate the apiserver wrote into its kubeconfig`, async () => {
      const c = cluster();
      const ns = `auth-${label.replace('.', '-')}`;
      expect((await runKubectl(binary(), c.kubeconfig, ['create', 'namespace', ns])).stdout).toContain(`namespace/${ns} created`);
      expect((await runKubectl(binary(), c.kubeconfig, ['-n', ns, 'create', 'configmap', 'cfg', '--from-literal=a=1'])).stdout).toContain('configmap/cfg created');
      const got = await runKubectl(binary(), c.kubeconfig, ['-n', ns, 'get', 'configmap', 'cfg', '-o', 'jsonpath={.data.a}']);
      expect(got).toMatchObject({ code: 0, stdout: '1' });
      const roles = await runKubectl(binary(), c.kubeconfig, ['get', 'clusterroles']);
      expect(roles.stdout).toMatch(/^cluster-admin\s/m);
      expect(roles.stdout).toMatch(/^system:node\s/m);
    });
  }

  it('answers requests without credentials 401 Unauthorized when anonymous auth is off', async () => {
    const c = cluster();
    expect(await call(c, '/api/v1/namespaces/default/pods')).toEqual({
      status: 401,
      json: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 },
    });
    expect((await call(c, '/api/v1/namespaces/default/pods', { token: 'not-a-token' })).status).toBe(401);
    // A certificate from another CA proves nothing either.
    const { createCa, issueClientCert } = await import('../src/common/pki/index.ts');
    const stranger = issueClientCert(createCa('other-ca'), { user: 'mallory', groups: ['system:masters'] });
    expect((await call(c, '/api/v1/namespaces/default/pods', { cert: stranger })).status).toBe(401);
  });

  it('forbids a token user without bindings with the exact message, until a RoleBinding grants it', async () => {
    const c = cluster();
    const denied = await call(c, '/api/v1/namespaces/default/pods', { token: TOKENS.alice });
    expect(denied.status).toBe(403);
    expect(denied.json).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"',
      reason: 'Forbidden',
      details: { kind: 'pods' },
      code: 403,
    });
    const admin = (args: string[]) => runKubectl(referenceBinary('kubectl'), c.kubeconfig, args);
    expect((await admin(['-n', 'default', 'create', 'role', 'pod-reader', '--verb=get,list,watch', '--resource=pods'])).stdout).toContain('role.rbac.authorization.k8s.io/pod-reader created');
    expect((await admin(['-n', 'default', 'create', 'rolebinding', 'alice-reads', '--role=pod-reader', '--user=alice'])).stdout).toContain('rolebinding.rbac.authorization.k8s.io/alice-reads created');
    const allowed = await eventually(() => call(c, '/api/v1/namespaces/default/pods', { token: TOKENS.alice }), (r) => r.status === 200);
    expect(allowed.status).toBe(200);
    expect(allowed.json.kind).toBe('PodList');
    // Only in that namespace, and only those verbs.
    expect((await call(c, '/api/v1/namespaces/kube-system/pods', { token: TOKENS.alice })).status).toBe(403);
    const create = await call(c, '/api/v1/namespaces/default/pods', { method: 'POST', token: TOKENS.alice, body: pod('x', '') });
    expect(create.json.message).toBe('pods is forbidden: User "alice" cannot create resource "pods" in API group "" in the namespace "default"');
  });

  it('grants cluster-wide through a ClusterRoleBinding', async () => {
    const c = cluster();
    expect((await call(c, '/api/v1/namespaces/kube-system/configmaps', { token: TOKENS.bob })).status).toBe(403);
    const bound = await runKubectl(referenceBinary('kubectl'), c.kubeconfig, ['create', 'clusterrolebinding', 'bob-view', '--clusterrole=view', '--user=bob']);
    expect(bound.stdout).toContain('clusterrolebinding.rbac.authorization.k8s.io/bob-view created');
    const listed = await eventually(() => call(c, '/api/v1/namespaces/kube-system/configmaps', { token: TOKENS.bob }), (r) => r.status === 200);
    expect(listed.status).toBe(200);
    expect((await call(c, '/api/v1/namespaces/kube-system/secrets', { token: TOKENS.bob })).status).toBe(403);
  });

  it('answers kubectl auth can-i (SelfSubjectAccessReview), for the caller and through impersonation', async () => {
    const c = cluster();
    const kubectl = referenceBinary('kubectl');
    const alice = tokenKubeconfig(c, 'alice');
    await eventually(() => runKubectl(kubectl, alice, ['auth', 'can-i', 'list', 'pods', '-n', 'default']), (r) => r.code === 0);
    expect(await runKubectl(kubectl, alice, ['auth', 'can-i', 'list', 'pods', '-n', 'default'])).toMatchObject({ code: 0, stdout: 'yes\n' });
    expect(await runKubectl(kubectl, alice, ['auth', 'can-i', 'delete', 'pods', '-n', 'default'])).toMatchObject({ code: 1, stdout: 'no\n' });
    expect(await runKubectl(kubectl, c.kubeconfig, ['auth', 'can-i', 'delete', 'nodes'])).toMatchObject({ code: 0, stdout: 'yes\n' });
    expect(await runKubectl(kubectl, c.kubeconfig, ['auth', 'can-i', 'delete', 'nodes', '--as=alice'])).toMatchObject({ code: 1, stdout: 'no\n' });
    const impersonating = await runKubectl(kubectl, alice, ['get', 'pods', '--as=bob']);
    expect(impersonating.stderr).toContain('users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope');
  });

  it('answers kubectl auth can-i --list (SelfSubjectRulesReview) with the caller\'s rules in the namespace', async () => {
    const c = cluster();
    const kubectl = referenceBinary('kubectl');
    const admin = await runKubectl(kubectl, c.kubeconfig, ['auth', 'can-i', '--list']);
    expect(admin.code).toBe(0);
    expect(admin.stdout.split('\n')[0]).toMatch(/^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs$/);
    expect(admin.stdout).toMatch(/^\*\.\*\s+\[\]\s+\[\]\s+\[\*\]$/m);
    const alice = await runKubectl(kubectl, tokenKubeconfig(c, 'alice'), ['auth', 'can-i', '--list', '-n', 'default']);
    expect(alice.code).toBe(0);
    expect(alice.stdout).toMatch(/^pods\s+\[\]\s+\[\]\s+\[.*list.*\]$/m);
    expect(alice.stdout).toMatch(/^selfsubjectrulesreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]$/m);
    expect(alice.stdout).not.toMatch(/^\*\.\*/m);
    const elsewhere = await runKubectl(kubectl, tokenKubeconfig(c, 'alice'), ['auth', 'can-i', '--list', '-n', 'kube-system']);
    expect(elsewhere.stdout).not.toMatch(/^pods\s/m);
  });

  it('lets a node credential write its own Node, lease and pods, and nothing of another node', async () => {
    const c = cluster();
    const node1 = c.node1;
    for (const name of ['n1', 'n2']) {
      expect((await call(c, '/api/v1/nodes', { method: 'POST', cert: c.admin, body: { apiVersion: 'v1', kind: 'Node', metadata: { name } } })).status).toBe(201);
    }
    for (const [name, node] of [['p1', 'n1'], ['p2', 'n2']]) {
      expect((await call(c, '/api/v1/namespaces/default/pods', { method: 'POST', cert: c.admin, body: pod(name, node) })).status).toBe(201);
    }
    const statusPatch = { status: { conditions: [{ type: 'Ready', status: 'True' }] } };
    const merge = 'application/merge-patch+json';
    expect((await call(c, '/api/v1/nodes/n1/status', { method: 'PATCH', cert: node1, body: statusPatch, contentType: merge })).status).toBe(200);
    const otherNode = await call(c, '/api/v1/nodes/n2/status', { method: 'PATCH', cert: node1, body: statusPatch, contentType: merge });
    expect(otherNode.status).toBe(403);
    expect(otherNode.json.message).toBe(
      'nodes "n2" is forbidden: User "system:node:n1" cannot patch resource "nodes/status" in API group "" at the cluster scope: node "n1" is not allowed to modify node "n2"',
    );
    expect((await call(c, '/api/v1/namespaces/default/pods', { cert: node1 })).status).toBe(200);
    const podStatus = { status: { phase: 'Running' } };
    expect((await call(c, '/api/v1/namespaces/default/pods/p1/status', { method: 'PATCH', cert: node1, body: podStatus, contentType: merge })).status).toBe(200);
    const otherPod = await call(c, '/api/v1/namespaces/default/pods/p2/status', { method: 'PATCH', cert: node1, body: podStatus, contentType: merge });
    expect(otherPod.status).toBe(403);
    expect(otherPod.json.message).toContain('node "n1" can only update pod status for pods with spec.nodeName set to itself');
    expect((await call(c, '/api/v1/namespaces/default/pods/p2', { method: 'DELETE', cert: node1 })).status).toBe(403);
    expect((await call(c, '/api/v1/namespaces/default/pods/p1', { method: 'PUT', cert: node1, body: pod('p1', 'n1') })).status).toBe(403);
    // Node leases: its own only (the create is checked on the object by NodeRestriction).
    const lease = (name: string) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name }, spec: { holderIdentity: name, leaseDurationSeconds: 40 } });
    const leases = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases';
    expect((await call(c, leases, { method: 'POST', cert: node1, body: lease('n1') })).status).toBe(201);
    const foreignLease = await call(c, leases, { method: 'POST', cert: node1, body: lease('n2') });
    expect(foreignLease.status).toBe(403);
    expect(foreignLease.json.message).toBe('leases.coordination.k8s.io "n2" is forbidden: node "n1" can only create its own node lease in kube-node-lease');
    expect((await call(c, '/api/v1/nodes', { method: 'POST', cert: node1, body: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n3' } } })).status).toBe(403);
    expect((await call(c, '/api/v1/namespaces/default/secrets', { cert: node1 })).status).toBe(403);
  });

  it('enforces the same rules on the gRPC front end, with the identity from the peer certificate or a token', async () => {
    const c = cluster();
    const clients: ApiClient[] = [];
    const client = (options: Partial<ConstructorParameters<typeof ApiClient>[0]>) => {
      const made = new ApiClient({ endpoints: [c.grpcAddress], caPem: c.ca.certPem, retryRoundsMax: 1, callTimeoutMs: 15_000, ...options });
      clients.push(made);
      return made;
    };
    const failure = async (p: Promise<unknown>): Promise<StatusError> => {
      const err = await p.then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(StatusError);
      return err as StatusError;
    };
    try {
      const pods = { group: '', version: 'v1', resource: 'pods' };
      const node = client({ certPem: c.node1.certPem, keyPem: c.node1.keyPem }).resource(pods);
      expect((await node.list('default')).items.map((p) => (p.metadata as { name: string }).name)).toEqual(expect.arrayContaining(['p1', 'p2']));
      const p1 = await node.get('default', 'p1');
      await node.updateStatus('default', 'p1', { ...p1, status: { phase: 'Succeeded' } });
      const p2 = await node.get('default', 'p2');
      const denied = await failure(node.updateStatus('default', 'p2', { ...p2, status: { phase: 'Failed' } }));
      expect(denied.code).toBe(403);
      expect(denied.message).toBe(
        'pods "p2" is forbidden: User "system:node:n1" cannot update resource "pods/status" in API group "" in the namespace "default": node "n1" can only update pod status for pods with spec.nodeName set to itself',
      );
      const nodes = client({ certPem: c.node1.certPem, keyPem: c.node1.keyPem }).resource({ group: '', version: 'v1', resource: 'nodes' });
      expect((await failure(nodes.delete('', 'n2'))).code).toBe(403);
      // NodeRestriction sees the gRPC caller too: its own lease only.
      const nodeLeases = client({ certPem: c.node1.certPem, keyPem: c.node1.keyPem }).resource({ group: 'coordination.k8s.io', version: 'v1', resource: 'leases' });
      const lease = (name: string) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'kube-node-lease' }, spec: { holderIdentity: name } });
      const foreignLease = await failure(nodeLeases.create('kube-node-lease', lease('n2-grpc')));
      expect(foreignLease.code).toBe(403);
      expect(foreignLease.message).toBe('leases.coordination.k8s.io "n2-grpc" is forbidden: node "n1" can only create its own node lease in kube-node-lease');
      const anonymous = await failure(client({}).resource(pods).list('default'));
      expect(anonymous.status).toMatchObject({ code: 401, reason: 'Unauthorized', message: 'Unauthorized' });
      expect((await client({ token: TOKENS.alice }).resource(pods).list('default')).items.length).toBeGreaterThanOrEqual(2);
      const other = await failure(client({ token: TOKENS.alice }).resource(pods).list('kube-system'));
      expect(other.message).toBe('pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "kube-system"');
      // Watches too: a denied watch ends with the 403 Status, an allowed one delivers events.
      const watchOnce = (rc: ReturnType<ApiClient['resource']>, ns: string) =>
        new Promise<{ error: StatusError | null; types: string[] }>((done) => {
          const types: string[] = [];
          const handle = rc.watch(ns, {}, {
            event: (e) => {
              types.push(e.type);
              handle.stop();
              done({ error: null, types });
            },
            closed: (error) => done({ error, types }),
          });
        });
      const deniedWatch = await watchOnce(client({ token: TOKENS.alice }).resource(pods), 'kube-system');
      expect(deniedWatch.error?.message).toBe('pods is forbidden: User "alice" cannot watch resource "pods" in API group "" in the namespace "kube-system"');
      expect(await watchOnce(node, 'default')).toEqual({ error: null, types: ['ADDED'] });
      // A plaintext client cannot talk to the TLS port.
      expect((await failure(client({ caPem: undefined }).resource(pods).list('default'))).grpcCode).toBe(14);
    } finally {
      for (const cl of clients) cl.close();
    }
  });
  it("lets a node get the config its pods reference and nothing of another node's pods (REST and gRPC)", async () => {
    const c = cluster();
    const admin = { method: 'POST', cert: c.admin };
    expect((await call(c, '/api/v1/namespaces/default/configmaps', { ...admin, body: { metadata: { name: 'n1-config' }, data: { a: '1' } } })).status).toBe(201);
    expect((await call(c, '/api/v1/namespaces/default/secrets', { ...admin, body: { metadata: { name: 'n2-secret' }, stringData: { p: 'x' } } })).status).toBe(201);
    const uses = (name: string, node: string, volume: Record<string, unknown>) => {
      const p = pod(name, node);
      return { ...p, spec: { ...p.spec, volumes: [{ name: 'v', ...volume }] } };
    };
    expect((await call(c, '/api/v1/namespaces/default/pods', { ...admin, body: uses('uses-config', 'n1', { configMap: { name: 'n1-config' } }) })).status).toBe(201);
    expect((await call(c, '/api/v1/namespaces/default/pods', { ...admin, body: uses('uses-secret', 'n2', { secret: { secretName: 'n2-secret' } }) })).status).toBe(201);
    const mine = await call(c, '/api/v1/namespaces/default/configmaps/n1-config', { cert: c.node1 });
    expect(mine.status).toBe(200);
    expect(mine.json.data).toEqual({ a: '1' });
    const theirs = await call(c, '/api/v1/namespaces/default/secrets/n2-secret', { cert: c.node1 });
    expect(theirs.status).toBe(403);
    const message = 'secrets "n2-secret" is forbidden: User "system:node:n1" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node \'n1\' and this object';
    expect(theirs.json).toMatchObject({ kind: 'Status', code: 403, reason: 'Forbidden', message });
    const all = await call(c, '/api/v1/namespaces/default/secrets', { cert: c.node1 });
    expect(all.json.message).toBe('secrets is forbidden: User "system:node:n1" cannot list resource "secrets" in API group "" in the namespace "default": No Object name found');
    const client = new ApiClient({ endpoints: [c.grpcAddress], caPem: c.ca.certPem, certPem: c.node1.certPem, keyPem: c.node1.keyPem, retryRoundsMax: 1, callTimeoutMs: 15_000 });
    try {
      const config = await client.resource({ group: '', version: 'v1', resource: 'configmaps' }).get('default', 'n1-config');
      expect(config.data).toEqual({ a: '1' });
      const err = await client.resource({ group: '', version: 'v1', resource: 'secrets' }).get('default', 'n2-secret').then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(StatusError);
      expect((err as StatusError).code).toBe(403);
      expect((err as StatusError).grpcCode).toBe(7);
      expect((err as StatusError).message).toBe(message);
    } finally {
      client.close();
    }
  });

  it('brings default roles and bindings a store already holds up to date at start, unless they opt out of autoupdate', async () => {
    const c = cluster();
    const admin = { cert: c.admin };
    const path = (kind: string, name: string) => `/apis/rbac.authorization.k8s.io/v1/${kind}/${name}`;
    // As a store made by an older barque: the controller manager's role without its last rule, a binding without
    // its subject, and `view` (opted out) without one of its rules.
    const role = (await call(c, path('clusterroles', 'system:kube-controller-manager'), admin)).json as { rules: unknown[] };
    const lastRule = role.rules.at(-1);
    expect((await call(c, path('clusterroles', 'system:kube-controller-manager'), { ...admin, method: 'PUT', body: { ...role, rules: role.rules.slice(0, -1) } })).status).toBe(200);
    const binding = (await call(c, path('clusterrolebindings', 'system:kube-scheduler'), admin)).json as { subjects: unknown[] };
    expect((await call(c, path('clusterrolebindings', 'system:kube-scheduler'), { ...admin, method: 'PUT', body: { ...binding, subjects: [] } })).status).toBe(200);
    const view = (await call(c, path('clusterroles', 'view'), admin)).json as { metadata: { annotations: Record<string, string> }; rules: unknown[] };
    const optedOut = { ...view, metadata: { ...view.metadata, annotations: { ...view.metadata.annotations, 'rbac.authorization.kubernetes.io/autoupdate': 'false' } }, rules: view.rules.slice(1) };
    expect((await call(c, path('clusterroles', 'view'), { ...admin, method: 'PUT', body: optedOut })).status).toBe(200);

    await c.restartApiserver();
    const healed = (await call(c, path('clusterroles', 'system:kube-controller-manager'), admin)).json as { rules: unknown[] };
    expect(healed.rules).toContainEqual(lastRule);
    expect(healed.rules.length).toBe(role.rules.length);
    expect(((await call(c, path('clusterrolebindings', 'system:kube-scheduler'), admin)).json as { subjects: unknown[] }).subjects).toEqual(binding.subjects);
    expect(((await call(c, path('clusterroles', 'view'), admin)).json as { rules: unknown[] }).rules).toEqual(view.rules.slice(1));
  }, 120_000);
});
