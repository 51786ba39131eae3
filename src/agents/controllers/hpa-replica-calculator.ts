// The horizontal pod autoscaler's replica arithmetic, as kube-controller-manager 1.31's replica calculator does it,
// pure and on an injected time: which pods count (groupPods), their requests, the utilization ratio, and the
// proposal ceil(ready pods × usage / target), kept at the current count while the ratio is within the tolerance.
// Pods that are not ready yet (CPU only: within the initialization period, unready or measured before one metrics
// window passed since they turned ready) and pods without metrics do not count as usage: on a scale up they count
// as 0 % of their request, on a scale down missing pods count as 100 % (or the target, if higher), and a proposal
// that would reverse the direction keeps the current count. Quantities are thousandths (CPU in millicores).
import type { KubeObject } from '../../apiserver/index.ts';
import { milliValue, parseQuantity } from '../../apiserver/resources/quantity.ts';
import { arr, o, str } from '../../apiserver/resources/values.ts';

/** One pod's usage of a resource, summed over its containers, as the metrics API reported it. */
export interface PodMetric {
  valueMilli: number;
  timestampMs: number;
  windowMs: number;
}

export type PodMetrics = Map<string, PodMetric>;

export interface CalculatorOptions {
  tolerance: number;
  cpuInitializationPeriodMs: number;
  delayOfInitialReadinessStatusMs: number;
  nowMs: number;
}

/** A failure the controller reports as is (conditions and events carry the message). */
export class MetricError extends Error {}

export interface PodGroups {
  readyPodCount: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

const timeOf = (v: unknown): number | undefined => (typeof v === 'string' && v !== '' ? Date.parse(v) : undefined);

/** Whether a CPU sample of this pod must not count yet (groupPods' readiness rules). */
function unreadyForCpu(pod: KubeObject, metric: PodMetric, options: CalculatorOptions): boolean {
  const status = o(pod.status);
  const ready = arr(status.conditions).find((c) => str(c.type) === 'Ready');
  const startMs = timeOf(status.startTime);
  if (ready === undefined || startMs === undefined) return true;
  const transitionMs = timeOf(ready.lastTransitionTime) ?? 0;
  if (startMs + options.cpuInitializationPeriodMs > options.nowMs) {
    return str(ready.status) === 'False' || metric.timestampMs < transitionMs + metric.windowMs;
  }
  return str(ready.status) === 'False' && startMs + options.delayOfInitialReadinessStatusMs > transitionMs;
}

export function groupPods(pods: readonly KubeObject[], metrics: PodMetrics, resource: string, options: CalculatorOptions): PodGroups {
  const groups: PodGroups = { readyPodCount: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const pod of pods) {
    const name = pod.metadata?.name ?? '';
    const phase = str(o(pod.status).phase);
    if (pod.metadata?.deletionTimestamp !== undefined || phase === 'Failed') {
      groups.ignored.add(name);
      continue;
    }
    if (phase === 'Pending') {
      groups.unready.add(name);
      continue;
    }
    const metric = metrics.get(name);
    if (metric === undefined) {
      groups.missing.add(name);
      continue;
    }
    if (resource === 'cpu' && unreadyForCpu(pod, metric, options)) {
      groups.unready.add(name);
      continue;
    }
    groups.readyPodCount++;
  }
  return groups;
}

/** Containers whose requests count: the regular ones and restartable (sidecar) init containers. */
function requestingContainers(pod: KubeObject): Record<string, unknown>[] {
  const spec = o(pod.spec);
  return [...arr(spec.containers), ...arr(spec.initContainers).filter((c) => str(c.restartPolicy) === 'Always')];
}

/** Each pod's request for `resource` in thousandths; a container without one fails the whole computation. */
export function podRequests(pods: readonly KubeObject[], resource: string, container = ''): Map<string, number> {
  const requests = new Map<string, number>();
  for (const pod of pods) {
    let sum = 0;
    for (const c of requestingContainers(pod)) {
      if (container !== '' && container !== str(c.name)) continue;
      const request = parseQuantity(o(o(c.resources).requests)[resource]);
      if (request === undefined) throw new MetricError(`missing request for ${resource} in container ${str(c.name)} of Pod ${pod.metadata?.name ?? ''}`);
      sum += Number(milliValue(request));
    }
    requests.set(pod.metadata?.name ?? '', sum);
  }
  return requests;
}

export interface Utilization {
  ratio: number;
  /** Whole percent of the requests, rounded down. */
  utilization: number;
  /** Mean usage per pod, thousandths. */
  rawAverageMilli: number;
}

export function resourceUtilizationRatio(metrics: PodMetrics, requests: Map<string, number>, targetUtilization: number): Utilization {
  let usage = 0;
  let requested = 0;
  let entries = 0;
  for (const [name, metric] of metrics) {
    const request = requests.get(name);
    if (request === undefined) continue; // a metric for a pod we do not know of
    usage += metric.valueMilli;
    requested += request;
    entries++;
  }
  if (requested === 0) throw new MetricError('no metrics returned matched known pods');
  const utilization = Math.trunc((usage * 100) / requested);
  return { ratio: utilization / targetUtilization, utilization, rawAverageMilli: Math.trunc(usage / entries) };
}

export interface ResourceProposal extends Utilization {
  replicas: number;
}

/** GetResourceReplicas: the replica count for a utilization target (percent of the pods' requests). */
export function resourceReplicas(currentReplicas: number, targetUtilization: number, resource: string, pods: readonly KubeObject[], measured: PodMetrics, options: CalculatorOptions): ResourceProposal {
  if (pods.length === 0) throw new MetricError('no pods returned by selector while calculating replica count');
  const metrics = new Map(measured);
  const groups = groupPods(pods, metrics, resource, options);
  for (const name of [...groups.ignored, ...groups.unready]) metrics.delete(name);
  if (metrics.size === 0) throw new MetricError('did not receive metrics for targeted pods (pods might be unready)');
  const requests = podRequests(pods, resource);
  const first = resourceUtilizationRatio(metrics, requests, targetUtilization);
  const keep = { ...first, replicas: currentReplicas };
  const scaleUpWithUnready = groups.unready.size > 0 && first.ratio > 1;
  if (!scaleUpWithUnready && groups.missing.size === 0) {
    if (Math.abs(1 - first.ratio) <= options.tolerance) return keep;
    return { ...first, replicas: Math.ceil(first.ratio * groups.readyPodCount) };
  }
  if (groups.missing.size > 0) {
    // Missing pods use all of their request on a scale down (the target, if that is higher), nothing on a scale up.
    const fallbackPercent = Math.max(100, targetUtilization);
    for (const name of groups.missing) {
      if (first.ratio < 1) metrics.set(name, { valueMilli: Math.trunc(((requests.get(name) ?? 0) * fallbackPercent) / 100), timestampMs: 0, windowMs: 0 });
      else if (first.ratio > 1) metrics.set(name, { valueMilli: 0, timestampMs: 0, windowMs: 0 });
    }
  }
  if (scaleUpWithUnready) for (const name of groups.unready) metrics.set(name, { valueMilli: 0, timestampMs: 0, windowMs: 0 });
  const next = resourceUtilizationRatio(metrics, requests, targetUtilization).ratio;
  if (Math.abs(1 - next) <= options.tolerance || (first.ratio < 1 && next > 1) || (first.ratio > 1 && next < 1)) return keep;
  const replicas = Math.ceil(next * metrics.size);
  if ((next < 1 && replicas > currentReplicas) || (next > 1 && replicas < currentReplicas)) return keep;
  return { ...first, replicas };
}

/** GetRawResourceReplicas: the replica count for an average usage target per pod (thousandths), e.g. memory. */
export function rawResourceReplicas(currentReplicas: number, targetMilli: number, resource: string, pods: readonly KubeObject[], measured: PodMetrics, options: CalculatorOptions): { replicas: number; usageMilli: number } {
  if (pods.length === 0) throw new MetricError('no pods returned by selector while calculating replica count');
  const metrics = new Map(measured);
  const groups = groupPods(pods, metrics, resource, options);
  for (const name of [...groups.ignored, ...groups.unready]) metrics.delete(name);
  if (metrics.size === 0) throw new MetricError('did not receive metrics for targeted pods (pods might be unready)');
  const average = (m: PodMetrics): number => Math.trunc([...m.values()].reduce((sum, v) => sum + v.valueMilli, 0) / m.size);
  const usageMilli = average(metrics);
  const ratio = usageMilli / targetMilli;
  const keep = { replicas: currentReplicas, usageMilli };
  const scaleUpWithUnready = groups.unready.size > 0 && ratio > 1;
  if (!scaleUpWithUnready && groups.missing.size === 0) {
    if (Math.abs(1 - ratio) <= options.tolerance) return keep;
    return { replicas: Math.ceil(ratio * groups.readyPodCount), usageMilli };
  }
  for (const name of groups.missing) {
    if (ratio < 1) metrics.set(name, { valueMilli: targetMilli, timestampMs: 0, windowMs: 0 });
    else if (ratio > 1) metrics.set(name, { valueMilli: 0, timestampMs: 0, windowMs: 0 });
  }
  if (scaleUpWithUnready) for (const name of groups.unready) metrics.set(name, { valueMilli: 0, timestampMs: 0, windowMs: 0 });
  const next = average(metrics) / targetMilli;
  if (Math.abs(1 - next) <= options.tolerance || (ratio < 1 && next > 1) || (ratio > 1 && next < 1)) return keep;
  const replicas = Math.ceil(next * metrics.size);
  if ((next < 1 && replicas > currentReplicas) || (next > 1 && replicas < currentReplicas)) return keep;
  return { replicas, usageMilli };
}
