// `bin/barque controller-manager --kubeconfig` against a secure apiserver (TLS gRPC, client certificates, RBAC): it
// authenticates with the admin certificate from the kubeconfig the apiserver wrote, takes the leader Lease and its
// ReplicaSet controller creates pods.
import { afterAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../src/apiserver/index.ts';
import { ApiClient, recordOf, RESOURCES } from '../src/agents/client/index.ts';
import { setupOnce } from './apiserver-harness.ts';
import { eventually } from './apiserver-grpc-process.ts';
import { startSecureCluster, type SecureCluster } from './apiserver-auth-cluster.ts';
import { startControllerManager, type ControllerManagerProcess } from './agents-support/controller-manager-process.ts';
import { WORKLOAD_LEADER_ELECTION } from './agents-support/workload-cluster.ts';

let secure: SecureCluster | undefined;
let manager: ControllerManagerProcess | undefined;
const cluster = setupOnce(async () => (secure = await startSecureCluster()));
afterAll(async () => {
  await manager?.stop();
  await secure?.stop();
}, 60_000);

describe('controller-manager on a secure apiserver', () => {
  it('authenticates with --kubeconfig, leads and reconciles', async () => {
    const c = cluster();
    manager = await startControllerManager([c.grpcAddress], [...WORKLOAD_LEADER_ELECTION, `--kubeconfig=${c.kubeconfig}`, '--controllers=replicaset']);
    await manager.leading;
    const client = new ApiClient({ endpoints: [c.grpcAddress], caPem: c.ca.certPem, certPem: c.admin.certPem, keyPem: c.admin.keyPem });
    try {
      const lease = await client.resource(RESOURCES.leases).get('kube-system', 'kube-controller-manager');
      expect(recordOf(lease).holderIdentity).toBe(manager.identity);
      await client.resource(RESOURCES.replicasets).create('default', {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: { name: 'sec' },
        spec: { replicas: 2, selector: { matchLabels: { app: 'sec' } }, template: { metadata: { labels: { app: 'sec' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
      } as KubeObject);
      await eventually('2 pods', async () => (await client.resource(RESOURCES.pods).list('default', { labelSelector: 'app=sec' })).items.length === 2, 60_000);
      await eventually('status.replicas 2', async () => ((await client.resource(RESOURCES.replicasets).get('default', 'sec')).status as { replicas?: number }).replicas === 2, 30_000);
    } finally {
      client.close();
    }
  });
});
