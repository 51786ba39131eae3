// The controller tests' cluster: real etcd 3.4 (one member), `bin/barque apiserver` (REST for kubectl, gRPC for
// the agents), hollow nodes that bind and run pods, and `bin/barque controller-manager` leading. kubectl runs are
// the Debian 1.20 binary from .cache/reference/bin (a missing binary fails the test that needs it).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../src/apiserver/index.ts';
import { ApiClient, type ResourceClient, type ResourceRef } from '../../src/agents/client/index.ts';
import { EtcdCluster } from '../../src/store/testing/etcd-process.ts';
import { referenceBinary } from '../../src/store/testing/reference-binaries.ts';
import { runKubectl, type RunResult } from '../apiserver-harness.ts';
import { startApiserverProcess, type ApiserverProcess } from '../apiserver-grpc-process.ts';
import { startControllerManager, type ControllerManagerProcess } from './controller-manager-process.ts';
import { HollowNodes, type HollowNodeSpec } from './hollow-nodes.ts';

/**
 * Leader election for the workload tests: faster than Kubernetes' 15 s / 10 s / 2 s, but not so fast that a renewal
 * delayed by a loaded 2-core machine costs the leader its lease (it then exits, and is restarted below).
 */
export const WORKLOAD_LEADER_ELECTION = ['--leader-elect-lease-duration=5s', '--leader-elect-renew-deadline=4s', '--leader-elect-retry-period=500ms'];

export interface WorkloadCluster {
  etcd: EtcdCluster;
  apiserver: ApiserverProcess;
  kubeconfig: string;
  client: ApiClient;
  nodes: HollowNodes;
  managers: ControllerManagerProcess[];
  resource<T extends KubeObject = KubeObject>(ref: ResourceRef): ResourceClient<T>;
  kubectl(args: string[], binary?: string): Promise<RunResult>;
  startManager(extraFlags?: string[]): Promise<ControllerManagerProcess>;
  stop(): Promise<void>;
}

export async function startWorkloadCluster(options: { nodes: HollowNodeSpec[]; managerFlags?: string[] }): Promise<WorkloadCluster> {
  const kubectlBinary = referenceBinary('kubectl');
  const dir = mkdtempSync(join(tmpdir(), 'barque-workloads-'));
  const kubeconfig = join(dir, 'kubeconfig');
  const etcd = await EtcdCluster.start({ impl: 'etcd', members: 1 });
  const cleanups: (() => Promise<void>)[] = [async () => etcd.cleanup(), async () => rmSync(dir, { recursive: true, force: true })];
  const stop = async (): Promise<void> => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  };
  try {
    const apiserver = await startApiserverProcess(etcd.clientUrls(), [`--write-kubeconfig=${kubeconfig}`]);
    cleanups.push(() => apiserver.stop());
    const client = new ApiClient({ endpoints: [apiserver.grpcAddress], userAgent: 'workload-test' });
    cleanups.push(async () => client.close());
    const nodes = await HollowNodes.start({ endpoints: [apiserver.grpcAddress], nodes: options.nodes, bind: true });
    cleanups.push(() => nodes.stop());
    const managers: ControllerManagerProcess[] = [];
    let stopping = false;
    cleanups.push(async () => void (stopping = true));
    const startManager = async (extraFlags: string[] = options.managerFlags ?? []): Promise<ControllerManagerProcess> => {
      const m = await startControllerManager([apiserver.grpcAddress], [...WORKLOAD_LEADER_ELECTION, ...extraFlags]);
      managers.push(m);
      cleanups.push(() => m.stop('SIGKILL'));
      // A leader that lost its lease exits with 1, as kube-controller-manager does; like its supervisor in a real
      // cluster, start a fresh one (signals sent by a test are not restarted).
      void m.closed.then((code) => {
        if (code === 1 && !stopping) void startManager(extraFlags).catch(() => {});
      });
      return m;
    };
    const first = await startManager();
    await first.leading;
    return {
      etcd,
      apiserver,
      kubeconfig,
      client,
      nodes,
      managers,
      resource: <T extends KubeObject>(ref: ResourceRef) => client.resource<T>(ref),
      kubectl: (args, binary = kubectlBinary) => runKubectl(binary, kubeconfig, args, 120_000),
      startManager,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
