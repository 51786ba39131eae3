// The density workload: one namespace, D Deployments of R replicas of a pause container (the saturation pods), then
// L latency pods, one 1-replica Deployment each, created at a steady rate, all through the agents' gRPC client; and a
// pod watch (a shared informer, which resumes across apiserver failover) feeding a PodTimeline.
//
// Why two phases: Kubernetes' density test checks the pod startup SLO on latency pods created one at a time (~5/s)
// once the cluster is saturated, not on the saturation pods themselves: thousands created at once mostly measure
// how long they queue for the scheduler, which depends on how fast the controllers create them.
import type { KubeObject } from '../../src/apiserver/index.ts';
import { isAlreadyExists, listerWatcher, RESOURCES, SharedInformer, type ApiClient } from '../../src/agents/client/index.ts';
import { PodTimeline, type PodLike } from './pod-timeline.ts';

export const BENCH_LABEL = 'bench.barque.dev/group';

export type PodGroup = 'density' | 'latency';

/** Names of the latency pods' Deployments, hence of their pods. */
export const LATENCY_PREFIX = 'latency-';

export function deploymentManifest(namespace: string, name: string, replicas: number, group: PodGroup = 'density'): KubeObject {
  const labels = { app: name, [BENCH_LABEL]: group };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels }, spec: { containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.2' }], terminationGracePeriodSeconds: 0 } },
    },
  } as KubeObject;
}

export async function ensureNamespace(api: ApiClient, namespace: string): Promise<void> {
  try {
    await api.resource<KubeObject>(RESOURCES.namespaces).create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}

/** Creates the Deployments a few at a time (a client's fair share, not a flood). */
export async function createDeployments(api: ApiClient, namespace: string, count: number, replicas: number, concurrency = 5): Promise<string[]> {
  const deployments = api.resource<KubeObject>(RESOURCES.deployments);
  const names = Array.from({ length: count }, (_, i) => `density-${String(i).padStart(3, '0')}`);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < names.length) {
      const name = names[next++];
      await deployments.create(namespace, deploymentManifest(namespace, name, replicas));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return names;
}

/**
 * Creates `count` 1-replica Deployments named latency-NNN, starting one every 1/ratePerSecond s without waiting for
 * the previous create to answer (a slow answer must not slow the rate down). Resolves when every create answered.
 */
export async function createLatencyDeployments(api: ApiClient, namespace: string, count: number, ratePerSecond: number, onCreated: () => void = () => {}): Promise<string[]> {
  const deployments = api.resource<KubeObject>(RESOURCES.deployments);
  const names = Array.from({ length: count }, (_, i) => `${LATENCY_PREFIX}${String(i).padStart(4, '0')}`);
  const started = Date.now();
  const creates: Promise<unknown>[] = [];
  for (let i = 0; i < names.length; i++) {
    const due = started + (i * 1000) / ratePerSecond;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    creates.push(deployments.create(namespace, deploymentManifest(namespace, names[i], 1, 'latency')).then(onCreated));
  }
  await Promise.all(creates);
  return names;
}

export function isLatencyPod(name: string): boolean {
  return name.startsWith(LATENCY_PREFIX);
}

/** Watches the namespace's pods into a timeline, stamping each observation with `now()`. */
export class PodWatch {
  readonly timeline = new PodTimeline();
  private readonly informer: SharedInformer<KubeObject>;

  constructor(api: ApiClient, namespace: string, now: () => number = Date.now) {
    this.informer = new SharedInformer<KubeObject>(listerWatcher(api.resource<KubeObject>(RESOURCES.pods), namespace), { name: 'bench-pods' });
    const seen = (pod: KubeObject): void => this.timeline.observe(pod as PodLike, now());
    this.informer.addEventHandler({ onAdd: seen, onUpdate: (_, pod) => seen(pod) });
  }

  async start(): Promise<void> {
    this.informer.run();
    await this.informer.waitForSync();
  }

  async stop(): Promise<void> {
    await this.informer.stop();
  }
}

/** Polls `condition` every `intervalMs` until it holds; false after `timeoutMs`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 200, onTick?: () => void): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() >= deadline) return false;
    onTick?.();
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
