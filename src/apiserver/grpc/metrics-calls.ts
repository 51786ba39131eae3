// metrics.k8s.io over gRPC: Get and List of NodeMetrics and PodMetrics, answered by the same code as the REST paths
// (metrics-api/), so a controller reads pod usage (the horizontal pod autoscaler) over the one API it speaks. The
// group is not stored: lists carry no resourceVersion and there is no watch.
import { METRICS_GROUP, METRICS_VERSION, serveMetrics } from '../metrics-api/index.ts';
import type { ResourceRegistry } from '../rest/registry.ts';
import { pathNotFound } from '../rest/status.ts';
import type { ResourceRefMsg } from './wire.ts';

export function isMetricsRef(ref: ResourceRefMsg | null): boolean {
  return ref !== null && ref.group === METRICS_GROUP;
}

/** The path after /apis/metrics.k8s.io/v1beta1 that REST would serve for this call. */
function metricsPath(ref: ResourceRefMsg, namespace: string, name: string): string[] {
  if (ref.version !== METRICS_VERSION || !['pods', 'nodes'].includes(ref.resource)) throw pathNotFound();
  if (ref.resource === 'nodes') {
    if (namespace !== '') throw pathNotFound();
    return name === '' ? ['nodes'] : ['nodes', name];
  }
  const base = namespace === '' ? ['pods'] : ['namespaces', namespace, 'pods'];
  if (name !== '' && namespace === '') throw pathNotFound();
  return name === '' ? base : [...base, name];
}

function sources(registries: readonly ResourceRegistry[]): { pods: ResourceRegistry; nodes: ResourceRegistry } {
  const find = (resource: string) => registries.find((r) => r.def.group === '' && r.def.resource === resource);
  const pods = find('pods');
  const nodes = find('nodes');
  if (pods === undefined || nodes === undefined) throw pathNotFound();
  return { pods, nodes };
}

export async function getMetrics(registries: readonly ResourceRegistry[], ref: ResourceRefMsg, namespace: string, name: string): Promise<unknown> {
  const { pods, nodes } = sources(registries);
  if (name === '') throw pathNotFound();
  return serveMetrics(pods, nodes, metricsPath(ref, namespace, name), 'GET', new URLSearchParams());
}

export async function listMetrics(registries: readonly ResourceRegistry[], ref: ResourceRefMsg, namespace: string, labelSelector: string): Promise<unknown[]> {
  const { pods, nodes } = sources(registries);
  const q = new URLSearchParams();
  if (labelSelector !== '') q.set('labelSelector', labelSelector);
  const list = (await serveMetrics(pods, nodes, metricsPath(ref, namespace, ''), 'GET', q)) as { items?: unknown[] };
  return list.items ?? [];
}
