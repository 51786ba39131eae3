// One store's run: `cluster up` on that store, wait for the hollow nodes, the density workload under a probe load,
// the figures, the drills, `cluster down` (always).
import type { KubeObject } from '../../src/apiserver/index.ts';
import { ApiClient, RESOURCES } from '../../src/agents/client/index.ts';
import { readKubeconfigCredentials } from '../../src/agents/client/kubeconfig-credentials.ts';
import type { Progress } from '../lib/index.ts';
import { ApiProbe, type ProbeCall } from './api-probe.ts';
import { ClusterCli, componentPids } from './cluster-cli.ts';
import { runDrills, type DrillResult } from './drills.ts';
import { snapshot, usageBetween, type ComponentUsage } from './process-usage.ts';
import type { K8sBenchSettings, StoreKind } from './settings.ts';
import { startupFigures, type StartupFigures } from './startup-stats.ts';
import { createDeployments, ensureNamespace, PodWatch, waitFor } from './workload.ts';

export interface StoreRun {
  store: StoreKind;
  pods: number;
  allRunning: boolean;
  /** Deployments created → last pod observed Running (or the timeout). */
  workloadMs: number;
  startup: StartupFigures;
  api: ProbeCall[];
  usage: ComponentUsage[];
  drills: DrillResult[];
}

export async function runStore(store: StoreKind, settings: K8sBenchSettings, dataDir: string, progress: Progress): Promise<StoreRun> {
  const cli = new ClusterCli(dataDir);
  progress.step(`${store}: cluster up (${settings.masters} masters, ${settings.hollowNodes} hollow nodes) in ${dataDir}`);
  let api: ApiClient | null = null;
  let watch: PodWatch | null = null;
  try {
    const file = await cli.up({ masters: settings.masters, hollowNodes: settings.hollowNodes, store, basePort: settings.basePort }, (line) => progress.step(`${store}: ${line}`));
    api = new ApiClient({ endpoints: file.grpcAddresses, userAgent: 'barque-bench-k8s/v0', callTimeoutMs: 10_000, ...readKubeconfigCredentials(file.kubeconfig) });
    const client = api;
    const nodesReady = await waitFor(async () => (await readyNodes(client).catch(() => 0)) >= settings.hollowNodes, 300_000, 1_000);
    if (!nodesReady) throw new Error(`${store}: ${settings.hollowNodes} hollow nodes not Ready within 300 s`);
    await ensureNamespace(api, settings.namespace);
    watch = new PodWatch(api, settings.namespace);
    await watch.start();
    const podWatch = watch;
    const total = settings.deployments * settings.replicas;
    const probe = new ApiProbe(api, settings.namespace, settings.probeRate);
    const before = snapshot(componentPids(file));
    progress.step(`${store}: creating ${settings.deployments} Deployments × ${settings.replicas} replicas (${total} pods)`);
    const originMs = Date.now();
    probe.start();
    await createDeployments(api, settings.namespace, settings.deployments, settings.replicas);
    let lastLineMs = Date.now();
    const running = (): number => podWatch.timeline.count((p) => p.runningSeenMs !== null);
    const allRunning = await waitFor(() => running() >= total, settings.timeoutMs, 250, () => {
      const line = `${store}: ${podWatch.timeline.size} pods created, ${podWatch.timeline.count((p) => p.boundSeenMs !== null)} bound, ${running()} running of ${total}`;
      progress.status(line);
      if (Date.now() - lastLineMs >= 10_000) {
        progress.step(line);
        lastLineMs = Date.now();
      }
    });
    const workloadMs = Date.now() - originMs;
    const apiCalls = await probe.stop();
    const usage = usageBetween(before, snapshot(componentPids(cli.file())));
    const startup = startupFigures(watch.timeline.all(), originMs);
    progress.step(`${store}: ${running()}/${total} running after ${(workloadMs / 1000).toFixed(1)} s; startup p99 ${startup.startup.p99Ms.toFixed(0)} ms; ${startup.scheduling.averagePodsPerSecond.toFixed(1)} pods/s bound`);
    // A kill drill needs a surviving majority: with fewer than 3 masters there is nothing to fail over to.
    if (settings.drills && settings.masters < 3) progress.step(`${store}: drills skipped: they need 3 masters or more`);
    const drills = settings.drills && settings.masters >= 3 ? await runDrills({ cli, api, namespace: settings.namespace, watch, say: (t) => progress.step(`${store}: ${t}`) }) : [];
    return { store, pods: total, allRunning, workloadMs, startup, api: apiCalls, usage, drills };
  } finally {
    await watch?.stop().catch(() => {});
    api?.close();
    progress.step(`${store}: cluster down`);
    await cli.down().catch((err: unknown) => progress.step(`${store}: cluster down failed: ${String(err)}`));
  }
}

async function readyNodes(api: ApiClient): Promise<number> {
  const nodes = await api.resource<KubeObject>(RESOURCES.nodes).list('');
  return nodes.items.filter((n) => ((n.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')).length;
}
