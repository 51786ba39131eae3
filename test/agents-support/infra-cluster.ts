// The infrastructure controllers' cluster: real etcd 3.4, `bin/barque apiserver`, `bin/barque scheduler` and
// `bin/barque controller-manager` (all controllers, short periods), plus hollow nodes that do not bind (the
// scheduler does). Extra hollow node groups can be started and stopped on their own to make a node go silent.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../src/apiserver/index.ts';
import { ApiClient, type ResourceClient, type ResourceRef } from '../../src/agents/client/index.ts';
import { EtcdCluster } from '../../src/store/testing/etcd-process.ts';
import { startApiserverProcess, type ApiserverProcess } from '../apiserver-grpc-process.ts';
import { startControllerManager, type ControllerManagerProcess } from './controller-manager-process.ts';
import { HollowNodes, type HollowNodeSpec } from './hollow-nodes.ts';
import { startScheduler, type SchedulerProcess } from './scheduler-process.ts';

export const NODE_MONITOR_GRACE_S = 10;
/** Kubernetes' leader election periods: the shared 2-core machine can stall a process for seconds. */
export const PATIENT_LEADER_ELECTION = ['--leader-elect-lease-duration=15s', '--leader-elect-renew-deadline=10s', '--leader-elect-retry-period=2s'];

export interface InfraCluster {
  apiserver: ApiserverProcess;
  client: ApiClient;
  manager: ControllerManagerProcess;
  scheduler: SchedulerProcess;
  /** The node provider's machine directory: one file per node. */
  machineDir: string;
  resource<T extends KubeObject = KubeObject>(ref: ResourceRef): ResourceClient<T>;
  /** Starts a separate group of hollow nodes (each with a machine file) that can be stopped alone. */
  addNodes(nodes: HollowNodeSpec[]): Promise<HollowNodes>;
  stop(): Promise<void>;
}

export async function startInfraCluster(nodes: HollowNodeSpec[]): Promise<InfraCluster> {
  const machineDir = mkdtempSync(join(tmpdir(), 'barque-machines-'));
  const etcd = await EtcdCluster.start({ impl: 'etcd', members: 1 });
  const cleanups: (() => Promise<void>)[] = [async () => etcd.cleanup(), async () => rmSync(machineDir, { recursive: true, force: true })];
  const stop = async (): Promise<void> => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  };
  try {
    const apiserver = await startApiserverProcess(etcd.clientUrls());
    cleanups.push(() => apiserver.stop());
    const client = new ApiClient({ endpoints: [apiserver.grpcAddress], userAgent: 'infra-test' });
    cleanups.push(async () => client.close());
    const addNodes = async (specs: HollowNodeSpec[]): Promise<HollowNodes> => {
      for (const n of specs) writeFileSync(join(machineDir, n.name), '');
      const group = await HollowNodes.start({ endpoints: [apiserver.grpcAddress], nodes: specs, bind: false, leaseRenewMs: 500 });
      cleanups.push(() => group.stop());
      return group;
    };
    await addNodes(nodes);
    const manager = await startControllerManager([apiserver.grpcAddress], [
      `--node-monitor-grace-period=${NODE_MONITOR_GRACE_S}s`,
      '--node-monitor-period=500ms',
      `--node-machine-dir=${machineDir}`,
      '--node-provider-sync-period=500ms',
      '--namespace-sync-retry=500ms',
      ...PATIENT_LEADER_ELECTION,
    ]);
    cleanups.push(() => manager.stop('SIGKILL'));
    const scheduler = await startScheduler([apiserver.grpcAddress], 'infra-scheduler', PATIENT_LEADER_ELECTION);
    cleanups.push(() => scheduler.stop('SIGKILL'));
    await Promise.all([manager.leading, scheduler.leading]);
    return { apiserver, client, manager, scheduler, machineDir, resource: (ref) => client.resource(ref), addNodes, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
