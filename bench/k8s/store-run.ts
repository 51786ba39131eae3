// One store's run: `cluster up` on that store, wait for the hollow nodes, the saturation pods under a probe load,
// then the latency pods under another, the figures, the drills, `cluster down` (always).
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
import { RestPodWatch } from './rest-pod-watch.ts';
import { createDeployments, createLatencyDeployments, ensureNamespace, isLatencyPod, PodWatch, waitFor } from './workload.ts';

/** The latency pods' phase (workload.ts): the SLO's pod startup latency, and API latency outside the burst. */
export interface LatencyRun {
  pods: number;
  allRunning: boolean;
  startup: StartupFigures;
  api: ProbeCall[];
}

export interface StoreRun {
  store: StoreKind;
  pods: number;
  allRunning: boolean;
  /** Deployments created → last pod observed Running (or the timeout). */
  workloadMs: number;
  /** The saturation pods, as the agents' gRPC informer (PodWatch) observed them. */
  startup: StartupFigures;
  /** As a REST watch observed them (rest-pod-watch.ts); null when it had not seen them all Running. */
  restStartup: StartupFigures | null;
  /** Probe calls during the saturation pods' phase. */
  api: ProbeCall[];
  /** null when --latency-pods 0. */
  latency: LatencyRun | null;
  usage: ComponentUsage[];
  drills: DrillResult[];
}

export async function runStore(store: StoreKind, settings: K8sBenchSettings, dataDir: string, progress: Progress): Promise<StoreRun> {
  const cli = new ClusterCli(dataDir);
  progress.step(`${store}: cluster up (${settings.masters} masters, ${settings.hollowNodes} hollow nodes) in ${dataDir}`);
  let api: ApiClient | null = null;
  let watch: PodWatch | null = null;
  let restWatch: RestPodWatch | null = null;
  try {
    const file = await cli.up({ masters: settings.masters, hollowNodes: settings.hollowNodes, store, basePort: settings.basePort }, (line) => progress.step(`${store}: ${line}`));
    const credentials = readKubeconfigCredentials(file.kubeconfig);
    api = new ApiClient({ endpoints: file.grpcAddresses, userAgent: 'barque-bench-k8s/v0', callTimeoutMs: 10_000, ...credentials });
    const client = api;
    const nodesReady = await waitFor(async () => (await readyNodes(client).catch(() => 0)) >= settings.hollowNodes, 300_000, 1_000);
    if (!nodesReady) throw new Error(`${store}: ${settings.hollowNodes} hollow nodes not Ready within 300 s`);
    await ensureNamespace(api, settings.namespace);
    watch = new PodWatch(api, settings.namespace);
    await watch.start();
    restWatch = new RestPodWatch(file.endpoint, credentials, settings.namespace);
    await restWatch.start();
    const podWatch = watch;
    const restTimeline = restWatch.timeline;
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
    // The REST observer usually has them all by now; it gets a few seconds more, not another timeout.
    const restDone = await waitFor(() => restTimeline.count((p) => p.runningSeenMs !== null) >= total, 15_000, 100);
    const restStartup = restDone ? startupFigures(restTimeline.all(), originMs) : null;
    const restP99 = restStartup === null ? 'not all seen' : `${restStartup.startup.p99Ms.toFixed(0)} ms`;
    progress.step(`${store}: ${running()}/${total} running after ${(workloadMs / 1000).toFixed(1)} s; startup p99 ${startup.startup.p99Ms.toFixed(0)} ms (REST watch: ${restP99}); ${startup.scheduling.averagePodsPerSecond.toFixed(1)} pods/s bound`);
    const latency = settings.latencyPods > 0 ? await latencyPhase(store, settings, api, podWatch, progress) : null;
    // A kill drill needs a surviving majority: with fewer than 3 masters there is nothing to fail over to.
    if (settings.drills && settings.masters < 3) progress.step(`${store}: drills skipped: they need 3 masters or more`);
    const drills = settings.drills && settings.masters >= 3 ? await runDrills({ cli, api, namespace: settings.namespace, watch, say: (t) => progress.step(`${store}: ${t}`) }) : [];
    return { store, pods: total, allRunning, workloadMs, startup, restStartup, api: apiCalls, latency, usage, drills };
  } finally {
    await watch?.stop().catch(() => {});
    restWatch?.stop();
    api?.close();
    progress.step(`${store}: cluster down`);
    await cli.down().catch((err: unknown) => progress.step(`${store}: cluster down failed: ${String(err)}`));
  }
}

async function latencyPhase(store: StoreKind, settings: K8sBenchSettings, api: ApiClient, watch: PodWatch, progress: Progress): Promise<LatencyRun> {
  const count = settings.latencyPods;
  const running = (): number => watch.timeline.count((p) => isLatencyPod(p.name) && p.runningSeenMs !== null);
  progress.step(`${store}: creating ${count} latency pods, ${settings.latencyRate}/s`);
  const probe = new ApiProbe(api, settings.namespace, settings.probeRate, 'latency-probe');
  const originMs = Date.now();
  probe.start();
  let created = 0;
  const creating = createLatencyDeployments(api, settings.namespace, count, settings.latencyRate, () => created++);
  const ticker = setInterval(() => progress.status(`${store}: ${created} latency Deployments created, ${running()} latency pods running of ${count}`), 250);
  try {
    await creating;
    const allRunning = await waitFor(() => running() >= count, settings.timeoutMs, 250);
    const startup = startupFigures(watch.timeline.all().filter((p) => isLatencyPod(p.name)), originMs);
    progress.step(`${store}: ${running()}/${count} latency pods running; startup p50 ${startup.startup.p50Ms.toFixed(0)} ms, p99 ${startup.startup.p99Ms.toFixed(0)} ms`);
    return { pods: count, allRunning, startup, api: await probe.stop() };
  } finally {
    clearInterval(ticker);
    await probe.stop(); // when the phase failed: no probe left running
  }
}

async function readyNodes(api: ApiClient): Promise<number> {
  const nodes = await api.resource<KubeObject>(RESOURCES.nodes).list('');
  return nodes.items.filter((n) => ((n.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')).length;
}
