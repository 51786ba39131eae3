// PodDisruptionBudgets end to end: `bin/barque controller-manager` (its disruption controller keeping PDB status)
// against `bin/barque apiserver` on real etcd 3.4, hollow nodes running the pods, real kubectl 1.20:
// - a Deployment of 3 under a PDB minAvailable 2: status counts 3 healthy of 2 desired, 1 disruption allowed;
// - with the nodes cordoned (the replacement stays Pending, so not Ready), the first eviction is 201 and a second
//   one is 429 with Kubernetes' message and DisruptionBudget cause, over REST and over gRPC alike; a Pending pod
//   may still be evicted (dry run) since it disrupts nothing;
// - `kubectl drain` of one node evicts its pods through the budget (retrying on 429 until replacements are Ready),
//   and a watch sees at least 2 Ready pods throughout.
import { afterAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../src/apiserver/index.ts';
import { isTooManyRequests, listerWatcher, RESOURCES, SharedInformer, StatusError } from '../src/agents/client/index.ts';
import { eventually } from './apiserver-grpc-process.ts';
import { api, setupOnce } from './apiserver-harness.ts';
import { startWorkloadCluster, type WorkloadCluster } from './agents-support/workload-cluster.ts';

let cluster: WorkloadCluster | undefined;
const env = setupOnce(async () => (cluster = await startWorkloadCluster({ nodes: [{ name: 'node-a' }, { name: 'node-b' }] })));
afterAll(async () => cluster?.stop(), 60_000);

type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };
const NS = 'default';
const VIOLATES = "Cannot evict pod as it would violate the pod's disruption budget.";

const isReady = (p: Obj): boolean => ((p.status?.conditions ?? []) as { type: string; status: string }[]).some((c) => c.type === 'Ready' && c.status === 'True');

async function livePods(c: WorkloadCluster): Promise<Obj[]> {
  return (await c.resource<Obj>(RESOURCES.pods).list(NS, { labelSelector: 'app=web' })).items.filter((p) => p.metadata?.deletionTimestamp === undefined);
}

async function pdbStatus(c: WorkloadCluster): Promise<Record<string, unknown>> {
  return (await c.resource<Obj>(RESOURCES.poddisruptionbudgets).get(NS, 'web')).status ?? {};
}

function evict(c: WorkloadCluster, name: string, dryRun = false): ReturnType<typeof api> {
  const body = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: NS }, ...(dryRun ? { deleteOptions: { dryRun: ['All'] } } : {}) };
  return api(c.apiserver.url, `/api/v1/namespaces/${NS}/pods/${name}/eviction`, { method: 'POST', body });
}

describe('PodDisruptionBudget', () => {
  it('the disruption controller counts a Deployment of 3 under minAvailable 2', async () => {
    const c = env();
    await c.resource(RESOURCES.deployments).create(NS, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    });
    const pdb = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web' }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } } };
    expect((await api(c.apiserver.url, `/apis/policy/v1/namespaces/${NS}/poddisruptionbudgets`, { method: 'POST', body: pdb })).status).toBe(201);

    const status = await eventually('PDB status: 3 healthy, 1 disruption allowed', async () => {
      const s = await pdbStatus(c);
      return s.currentHealthy === 3 && s.disruptionsAllowed === 1 ? s : false;
    }, 90_000);
    expect(status).toMatchObject({ observedGeneration: 1, expectedPods: 3, desiredHealthy: 2 });
    expect(status.conditions).toMatchObject([{ type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', observedGeneration: 1, message: '' }]);
    expect((await c.kubectl(['get', 'pdb', 'web'])).stdout).toMatch(/web\s+2\s+N\/A\s+1\s/);
  }, 180_000);

  it('evicts one pod, then refuses a second with 429 while the replacement is not Ready', async () => {
    const c = env();
    // Cordoned nodes keep the replacement Pending (unbound), so it cannot become Ready during the test.
    expect((await c.kubectl(['cordon', 'node-a', 'node-b'])).code).toBe(0);
    const [first, second] = (await livePods(c)).map((p) => p.metadata?.name ?? '');

    const evicted = await evict(c, first);
    expect(evicted.status).toBe(201);
    expect(evicted.json).toMatchObject({ kind: 'Status', status: 'Success' });
    await eventually('the evicted pod gone and a Pending replacement', async () => {
      const pods = await livePods(c);
      return pods.length === 3 && !pods.some((p) => p.metadata?.name === first) && pods.filter(isReady).length === 2;
    }, 60_000);
    await eventually('PDB status: 2 healthy, none allowed, the evicted pod no longer listed', async () => {
      const s = await pdbStatus(c);
      return s.currentHealthy === 2 && s.disruptionsAllowed === 0 && s.disruptedPods === undefined && s.expectedPods === 3;
    }, 60_000);
    expect((await pdbStatus(c)).conditions).toMatchObject([{ type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods' }]);

    const refused = await evict(c, second);
    expect(refused.status).toBe(429);
    expect(refused.json).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'TooManyRequests',
      code: 429,
      message: VIOLATES,
      details: { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web needs 2 healthy pods and has 2 currently' }] },
    });
    // The gRPC front end answers from the same handler.
    const viaGrpc = await c.resource(RESOURCES.pods).createSubresource(NS, second, 'eviction', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: second } }).catch((err: unknown) => err);
    expect(isTooManyRequests(viaGrpc)).toBe(true);
    expect((viaGrpc as StatusError).status.details?.causes?.[0].message).toBe('The disruption budget web needs 2 healthy pods and has 2 currently');
    expect((await livePods(c)).some((p) => p.metadata?.name === second)).toBe(true);

    // A Pending pod disrupts nothing: its eviction is allowed even now (a dry run, so it stays).
    const pending = (await livePods(c)).find((p) => !isReady(p))?.metadata?.name ?? '';
    expect((await evict(c, pending, true)).status).toBe(201);
    expect((await livePods(c)).some((p) => p.metadata?.name === pending)).toBe(true);
  }, 180_000);

  it('kubectl drain evicts a node’s pods through the budget', async () => {
    const c = env();
    expect((await c.kubectl(['uncordon', 'node-a', 'node-b'])).code).toBe(0);
    await eventually('3 ready pods again, 1 disruption allowed', async () => (await livePods(c)).filter(isReady).length === 3 && (await pdbStatus(c)).disruptionsAllowed === 1, 60_000);

    // Drain the node with more of the pods, so that at least one eviction has to wait for a replacement.
    const pods = await livePods(c);
    const on = (node: string): string[] => pods.filter((p) => p.spec?.nodeName === node).map((p) => p.metadata?.name ?? '');
    const [node, other] = on('node-a').length >= on('node-b').length ? ['node-a', 'node-b'] : ['node-b', 'node-a'];
    expect(on(node).length).toBeGreaterThanOrEqual(2);
    // The budget's promise, watched throughout: never fewer than 2 Ready pods that are not being deleted.
    const watcher = new SharedInformer<Obj>(listerWatcher(c.resource<Obj>(RESOURCES.pods), NS, { labelSelector: 'app=web' }));
    let fewestReady = Infinity;
    const look = (): void => {
      fewestReady = Math.min(fewestReady, watcher.indexer.list().filter((p) => p.metadata?.deletionTimestamp === undefined && isReady(p)).length);
    };
    watcher.addEventHandler({ onAdd: look, onUpdate: look, onDelete: look });
    watcher.run();
    await watcher.waitForSync();
    // Only what happens from here counts (the initial list may be delivered one pod at a time).
    fewestReady = Infinity;
    look();
    try {
      const drained = await c.kubectl(['drain', node, '--ignore-daemonsets', '--timeout=100s']);
      const output = drained.stdout + drained.stderr;
      expect(drained.code, output).toBe(0);
      // kubectl went through pods/eviction (it says "deleted" when it falls back to plain deletes).
      for (const name of on(node)) expect(output).toContain(`pod/${name} evicted`);
      await eventually(`all 3 pods ready on ${other}`, async () => {
        const now = await livePods(c);
        return now.length === 3 && now.every((p) => isReady(p) && p.spec?.nodeName === other);
      }, 60_000);
    } finally {
      await watcher.stop();
    }
    expect(fewestReady).toBe(2);
  }, 240_000);
});
