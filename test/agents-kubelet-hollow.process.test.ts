// Hollow nodes: one `bin/barque agent --hollow-nodes 20` process registers twenty Ready nodes (each with its Lease
// renewed and its own kubelet endpoint) and runs the pods bound to them with the hollow runtime.
import { afterAll, describe, expect, it } from 'vitest';
import { RESOURCES, ApiClient } from '../src/agents/client/index.ts';
import type { KubeObject } from '../src/apiserver/index.ts';
import { setupOnce } from './apiserver-harness.ts';
import { eventually } from './apiserver-grpc-process.ts';
import { startKubeletCluster, type AgentProcess, type KubeletCluster } from './agents-kubelet-cluster.ts';

const NODES = 20;

let cluster: KubeletCluster | undefined;
let client: ApiClient | undefined;
const setup = setupOnce(async () => {
  cluster = await startKubeletCluster({ controllers: false });
  client = new ApiClient({ endpoints: [cluster.apiserver.grpcAddress], userAgent: 'hollow-test' });
  const agent = await cluster.startAgent(['--node-name=hollow', `--hollow-nodes=${NODES}`, '--node-index=200', '--kubelet-port=0', '--node-lease-renew-interval=2s', '--node-status-update-frequency=5s']);
  return { cluster, client, agent };
});

afterAll(async () => {
  client?.close();
  await cluster?.stop();
});

type Node = KubeObject & { status?: { conditions?: { type: string; status: string }[] } };
type Pod = KubeObject & {
  status?: { phase?: string; podIP?: string; hostIP?: string; conditions?: Array<{ type: string; status: string }>; containerStatuses?: Array<{ restartCount: number }> };
};

describe('barque agent --hollow-nodes', () => {
  it('registers twenty Ready nodes from one process, each with a renewed Lease', async () => {
    const { client: api, agent } = setup() as { client: ApiClient; agent: AgentProcess };
    expect(agent.nodes.map((n) => n.name)).toEqual(Array.from({ length: NODES }, (_, i) => `hollow-${i}`));
    const ready = await eventually('20 Ready nodes', async () => {
      const nodes = (await api.resource<Node>(RESOURCES.nodes).list('')).items;
      const ok = nodes.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      return ok.length === NODES ? ok : false;
    }, 60_000, 500);
    expect(new Set(ready.map((n) => n.metadata?.name)).size).toBe(NODES);
    const leases = (await api.resource(RESOURCES.leases).list('kube-node-lease')).items;
    expect(leases.map((l) => (l.metadata as { name: string }).name).sort()).toEqual(agent.nodes.map((n) => n.name).sort());
  });

  it('runs pods bound to the hollow nodes: Running with a pod IP from the node range, and deletes them', async () => {
    const { client: api } = setup() as { client: ApiClient };
    const pods = api.resource<Pod>(RESOURCES.pods);
    for (let i = 0; i < 40; i++) {
      await pods.create('default', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `p${i}` },
        spec: { nodeName: `hollow-${i % NODES}`, containers: [{ name: 'c', image: 'barque/sim', args: ['sleep forever'] }] },
      } as Pod);
    }
    const running = await eventually('40 pods Running', async () => {
      const list = (await pods.list('default')).items;
      // Running and Ready: a container that keeps exiting would show Running between restarts, never Ready.
      const ready = (p: Pod) => p.status?.phase === 'Running' && (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
      return list.filter(ready).length === 40 ? list : false;
    }, 90_000, 500);
    for (const p of running) {
      expect(p.status?.containerStatuses?.[0]?.restartCount).toBe(0);
      const node = Number(String((p.spec as { nodeName: string }).nodeName).split('-')[1]);
      const prefix = `127.64.${200 + node}.`;
      expect(p.status?.hostIP).toBe(`${prefix}1`);
      expect(p.status?.podIP?.startsWith(prefix)).toBe(true);
    }
    for (let i = 0; i < 40; i++) await pods.delete('default', `p${i}`);
    await eventually('all pods deleted by their kubelets', async () => (await pods.list('default')).items.length === 0, 90_000, 500);
  });
});
