// Failover drills through `barque cluster kill-master` / `restart-master`: kill the master that holds a leadership,
// then time (from the kill) until the cluster does that job again:
// - store leader → a write through the apiservers (a ConfigMap create) succeeds;
// - controller-manager leader → a Deployment scaled up right after the kill gets a new pod;
// - scheduler leader → a new pod is bound.
// The master is restarted after each drill and the next one waits until every leadership is held again.
import type { KubeObject } from '../../src/apiserver/index.ts';
import { alive } from '../../src/cluster/daemon-process.ts';
import { RESOURCES, type ApiClient } from '../../src/agents/client/index.ts';
import type { ClusterCli, ClusterStatusJson } from './cluster-cli.ts';
import { deploymentManifest, waitFor, type PodWatch } from './workload.ts';

export interface DrillResult {
  drill: 'store leader' | 'controller-manager leader' | 'scheduler leader';
  master: number | null;
  /** ms from the kill until the job was done again; null if it was not within the bound. */
  recoveryMs: number | null;
  note: string;
  restartFailed?: boolean;
}

const RECOVERY_BOUND_MS = 120_000;

export interface DrillContext {
  cli: ClusterCli;
  api: ApiClient;
  namespace: string;
  watch: PodWatch;
  say(text: string): void;
}

export async function runDrills(ctx: DrillContext): Promise<DrillResult[]> {
  const drills: [DrillResult['drill'], (s: ClusterStatusJson) => number | null, (master: number) => Promise<boolean>][] = [
    ['store leader', (s) => s.store.leaderMaster, (i) => storeWrites(ctx, i)],
    ['controller-manager leader', (s) => s.controllerManagerLeader?.master ?? null, () => controllersProgress(ctx)],
    ['scheduler leader', (s) => s.schedulerLeader?.master ?? null, () => podBound(ctx)],
  ];
  const results: DrillResult[] = [];
  for (const [name, holder, recovered] of drills) {
    const r = await drill(ctx, name, holder, recovered);
    results.push(r);
    // A master that did not come back leaves a two-master cluster: later drills would measure something else.
    if (r.restartFailed) break;
  }
  return results;
}

async function drill(ctx: DrillContext, name: DrillResult['drill'], holder: (s: ClusterStatusJson) => number | null, recovered: (master: number) => Promise<boolean>): Promise<DrillResult> {
  let status: ClusterStatusJson | null = null;
  await waitFor(async () => {
    status = await ctx.cli.status().catch(() => null);
    return status !== null && leadersHeld(status);
  }, RECOVERY_BOUND_MS, 1_000);
  const master = status === null ? null : holder(status);
  if (master === null) return { drill: name, master, recoveryMs: null, note: 'no holder found in `cluster status`' };
  ctx.say(`drill: ${name} on master ${master}: kill-master ${master}`);
  // The clock starts when the master's first process is gone, not when the CLI (seconds of start-up) is launched.
  const pids = Object.values(ctx.cli.file().masters[master]?.pids ?? {}).filter((p): p is number => p !== null);
  const killing = ctx.cli.killMaster(master);
  let killDone = false;
  void killing.then(() => (killDone = true), () => (killDone = true));
  await waitFor(() => killDone || pids.some((pid) => !alive(pid)), RECOVERY_BOUND_MS, 10);
  const killedMs = Date.now();
  const ok = await recovered(master);
  const recoveryMs = ok ? Date.now() - killedMs : null;
  await killing;
  ctx.say(`drill: ${name}: ${ok ? `recovered after ${recoveryMs} ms` : 'not recovered'}; restart-master ${master}`);
  const note = ok ? '' : `not recovered within ${RECOVERY_BOUND_MS / 1000} s`;
  try {
    await ctx.cli.restartMaster(master);
  } catch (err) {
    ctx.say(`drill: restart-master ${master} failed (${(err as Error).message}); no further drills`);
    return { drill: name, master, recoveryMs, note: `${note}${note === '' ? '' : '; '}restart-master failed, later drills skipped`, restartFailed: true };
  }
  return { drill: name, master, recoveryMs, note };
}

function leadersHeld(s: ClusterStatusJson): boolean {
  return s.store.leaderMaster !== null && s.controllerManagerLeader?.master != null && s.schedulerLeader?.master != null;
}

async function storeWrites(ctx: DrillContext, master: number): Promise<boolean> {
  const configmaps = ctx.api.resource<KubeObject>(RESOURCES.configmaps);
  let n = 0;
  return waitFor(async () => {
    const name = `drill-store-${master}-${n++}`;
    return configmaps.create(ctx.namespace, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ctx.namespace } } as KubeObject).then(
      () => true,
      () => false,
    );
  }, RECOVERY_BOUND_MS, 50);
}

async function controllersProgress(ctx: DrillContext): Promise<boolean> {
  const name = `drill-scale-${Date.now()}`;
  const deployments = ctx.api.resource<KubeObject>(RESOURCES.deployments);
  // Created (not just scaled) after the kill, so only a controller that leads from now on can make its pod.
  const created = await waitFor(
    () => deployments.create(ctx.namespace, deploymentManifest(ctx.namespace, name, 1)).then(() => true, () => false),
    RECOVERY_BOUND_MS,
    100,
  );
  return created && waitFor(() => ctx.watch.timeline.count((p) => p.name.startsWith(`${name}-`)) > 0, RECOVERY_BOUND_MS, 50);
}

async function podBound(ctx: DrillContext): Promise<boolean> {
  const name = `drill-bind-${Date.now()}`;
  const pods = ctx.api.resource<KubeObject>(RESOURCES.pods);
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ctx.namespace }, spec: { containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.2' }], terminationGracePeriodSeconds: 0 } };
  const created = await waitFor(() => pods.create(ctx.namespace, pod as KubeObject).then(() => true, () => false), RECOVERY_BOUND_MS, 100);
  return created && waitFor(() => ctx.watch.timeline.byName(name)?.boundSeenMs != null, RECOVERY_BOUND_MS, 50);
}
