// metrics.k8s.io/v1beta1 (the metrics-server role) served by the apiserver itself: NodeMetrics and PodMetrics are
// built on request from the /stats/summary of every node's kubelet, asked in parallel; a kubelet that does not
// answer in time leaves its node and pods out, as metrics-server does. No storage, no watch: read-only lists and gets.
import type { KubeObject } from '../types.ts';
import type { ResourceRegistry } from '../rest/registry.ts';
import { ApiError, methodNotAllowed, pathNotFound } from '../rest/status.ts';
import { kubeletEndpoint, kubeletGet, readAll } from './kubelet-endpoint.ts';

export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';
const API_VERSION = `${METRICS_GROUP}/${METRICS_VERSION}`;
const SUMMARY_TIMEOUT_MS = 5_000;
const WINDOW = '10s';

type Usage = { time: string; usageNanoCores?: number; workingSetBytes?: number };
interface Summary {
  node: { nodeName: string; cpu?: Usage; memory?: Usage };
  pods?: { podRef: { name: string; namespace: string }; containers?: { name: string; cpu?: Usage; memory?: Usage }[] }[];
}

/** The entry /apis lists for the group. */
export function metricsGroupEntry(): Record<string, unknown> {
  const version = { groupVersion: API_VERSION, version: METRICS_VERSION };
  return { name: METRICS_GROUP, versions: [version], preferredVersion: version };
}

export function metricsGroup(): Record<string, unknown> {
  return { kind: 'APIGroup', apiVersion: 'v1', ...metricsGroupEntry() };
}

export function metricsResourceList(): Record<string, unknown> {
  const verbs = ['get', 'list'];
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: API_VERSION,
    resources: [
      { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs },
      { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs },
    ],
  };
}

const cpu = (u: Usage | undefined): string => `${Math.max(0, Math.round(u?.usageNanoCores ?? 0))}n`;
const memory = (u: Usage | undefined): string => `${Math.ceil((u?.workingSetBytes ?? 0) / 1024)}Ki`;

async function summaries(nodes: readonly KubeObject[]): Promise<Summary[]> {
  const answers = await Promise.all(
    nodes.map(async (node) => {
      const endpoint = kubeletEndpoint(node);
      if (endpoint === undefined) return undefined;
      try {
        const res = await kubeletGet(endpoint, '/stats/summary', SUMMARY_TIMEOUT_MS);
        const text = await readAll(res);
        return res.statusCode === 200 ? (JSON.parse(text) as Summary) : undefined;
      } catch {
        return undefined;
      }
    }),
  );
  return answers.filter((s) => s !== undefined);
}

function nodeMetrics(node: KubeObject, s: Summary): Record<string, unknown> {
  return {
    kind: 'NodeMetrics',
    apiVersion: API_VERSION,
    metadata: { name: node.metadata?.name, creationTimestamp: s.node.cpu?.time, labels: node.metadata?.labels ?? {} },
    timestamp: s.node.cpu?.time,
    window: WINDOW,
    usage: { cpu: cpu(s.node.cpu), memory: memory(s.node.memory) },
  };
}

function podMetrics(pod: KubeObject, p: NonNullable<Summary['pods']>[number]): Record<string, unknown> {
  const time = p.containers?.[0]?.cpu?.time;
  return {
    kind: 'PodMetrics',
    apiVersion: API_VERSION,
    metadata: { name: pod.metadata?.name, namespace: pod.metadata?.namespace, creationTimestamp: time, labels: pod.metadata?.labels ?? {} },
    timestamp: time,
    window: WINDOW,
    containers: (p.containers ?? []).map((c) => ({ name: c.name, usage: { cpu: cpu(c.cpu), memory: memory(c.memory) } })),
  };
}

function notFoundMetrics(kind: 'nodemetrics' | 'podmetrics', name: string): ApiError {
  return new ApiError(404, 'NotFound', `${kind}.${METRICS_GROUP} "${name}" not found`, { name, group: METRICS_GROUP, kind });
}

/** Serves the path after /apis/metrics.k8s.io/v1beta1. */
export async function serveMetrics(pods: ResourceRegistry, nodes: ResourceRegistry, rest: string[], method: string, q: URLSearchParams): Promise<unknown> {
  if (method !== 'GET') throw methodNotAllowed();
  if (rest.length === 0) return metricsResourceList();
  const labelSelector = q.get('labelSelector') ?? undefined;
  if (rest[0] === 'nodes' && rest.length <= 2) {
    const listed = (await nodes.list('', { labelSelector })).items.filter((n) => rest[1] === undefined || n.metadata?.name === rest[1]);
    const byName = new Map((await summaries(listed)).map((s) => [s.node.nodeName, s]));
    const items = listed.filter((n) => byName.has(n.metadata?.name ?? '')).map((n) => nodeMetrics(n, byName.get(n.metadata?.name ?? '')!));
    if (rest[1] !== undefined) {
      if (items.length === 0) throw notFoundMetrics('nodemetrics', rest[1]);
      return items[0];
    }
    return { kind: 'NodeMetricsList', apiVersion: API_VERSION, metadata: {}, items };
  }
  const namespaced = rest[0] === 'namespaces' && rest[2] === 'pods' && rest.length <= 4;
  if ((rest[0] === 'pods' && rest.length === 1) || namespaced) {
    const namespace = namespaced ? rest[1] : '';
    const name = namespaced ? rest[3] : undefined;
    const podList = (await pods.list(namespace, { labelSelector })).items.filter((p) => name === undefined || p.metadata?.name === name);
    const nodeNames = new Set(podList.map((p) => String((p.spec as { nodeName?: string } | undefined)?.nodeName ?? '')).filter((n) => n !== ''));
    const nodeList = (await nodes.list('', {})).items.filter((n) => nodeNames.has(n.metadata?.name ?? ''));
    const stats = new Map<string, NonNullable<Summary['pods']>[number]>();
    for (const s of await summaries(nodeList)) for (const p of s.pods ?? []) stats.set(`${p.podRef.namespace}/${p.podRef.name}`, p);
    const items = podList.filter((p) => stats.has(`${p.metadata?.namespace}/${p.metadata?.name}`)).map((p) => podMetrics(p, stats.get(`${p.metadata?.namespace}/${p.metadata?.name}`)!));
    if (name !== undefined) {
      if (items.length === 0) throw notFoundMetrics('podmetrics', name);
      return items[0];
    }
    return { kind: 'PodMetricsList', apiVersion: API_VERSION, metadata: {}, items };
  }
  throw pathNotFound();
}


/** /apis with the metrics group added after the stored groups. */
export function withMetricsGroup(groupList: Record<string, unknown>): Record<string, unknown> {
  return { ...groupList, groups: [...((groupList.groups as unknown[] | undefined) ?? []), metricsGroupEntry()] };
}

/** Everything under /apis/metrics.k8s.io: the group, its version's resource list, and the metrics. */
export async function serveMetricsGroup(pods: ResourceRegistry, nodes: ResourceRegistry, version: string | undefined, rest: string[], method: string, q: URLSearchParams): Promise<unknown> {
  if (version === undefined) {
    if (method !== 'GET') throw methodNotAllowed();
    return metricsGroup();
  }
  if (version !== METRICS_VERSION) throw pathNotFound();
  return serveMetrics(pods, nodes, rest, method, q);
}
