// One pass over an HPA's metrics, as kube-controller-manager 1.31's computeReplicasForMetrics: a proposal per
// metric (the largest wins), the metric statuses, the ScalingActive condition and the Warning events upstream
// records, with its texts. Resource and ContainerResource metrics come from metrics.k8s.io PodMetrics (the apiserver
// serves them from the kubelets' stats); Pods, Object and External metrics need custom and external metrics APIs,
// which barque does not serve, so they fail as they would against a cluster without those adapters.
import type { KubeObject } from '../../apiserver/index.ts';
import { formatQuantity, milliValue, parseQuantity } from '../../apiserver/resources/quantity.ts';
import { arr, o, str, type Obj } from '../../apiserver/resources/values.ts';
import { MetricError, rawResourceReplicas, resourceReplicas, type CalculatorOptions, type PodMetrics } from './hpa-replica-calculator.ts';

export interface ConditionValue {
  type: string;
  status: 'True' | 'False';
  reason: string;
  message: string;
}

export interface HpaEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface MetricsOutcome {
  /** The proposal; undefined when the metrics could not be used (see error). */
  replicas?: number;
  /** What the proposal was computed from, for the rescale reason ("cpu resource utilization (percentage of request)"). */
  metricName: string;
  statuses: Obj[];
  condition: ConditionValue;
  events: HpaEvent[];
  error?: string;
}

/** PodMetrics for the pods of a namespace matching a selector (the metrics.k8s.io list). */
export type PodMetricsSource = () => Promise<KubeObject[]>;

const CUSTOM_METRICS_MISSING = 'the server could not find the requested resource';

/** The usage of `resource` per pod from a PodMetrics list; pods whose containers lack it are left out. */
export function podMetricsFor(items: readonly KubeObject[], resource: string, container = ''): PodMetrics {
  const out: PodMetrics = new Map();
  for (const item of items) {
    const containers = arr(item.containers).filter((c) => container === '' || str(c.name) === container);
    if (containers.length === 0) continue;
    let sum = 0;
    let complete = true;
    for (const c of containers) {
      const q = parseQuantity(o(c.usage)[resource]);
      if (q === undefined) complete = false;
      else sum += Number(milliValue(q));
    }
    if (!complete) continue;
    out.set(item.metadata?.name ?? '', { valueMilli: sum, timestampMs: Date.parse(str(item.timestamp)) || 0, windowMs: windowMs(str(item.window)) });
  }
  return out;
}

function windowMs(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text);
  if (m === null) return 0;
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[m[2] as 'ms' | 's' | 'm'];
}

const milliQuantity = (milli: number): string => formatQuantity({ nanos: BigInt(Math.trunc(milli)) * 1_000_000n, format: 'DecimalSI' });

interface Proposal {
  replicas: number;
  metricName: string;
  status: Obj;
}

class InvalidMetric extends Error {
  constructor(
    readonly reason: string,
    /** The error as the condition and the event word it. */
    readonly detail: string,
    /** The error as the overall failure wraps it. */
    message: string,
  ) {
    super(message);
  }
}

export interface MetricsInput {
  spec: Obj;
  specReplicas: number;
  pods: readonly KubeObject[];
  podMetrics: PodMetricsSource;
  options: CalculatorOptions;
}

async function resourceProposal(input: MetricsInput, metric: Obj, field: 'resource' | 'containerResource'): Promise<Proposal> {
  const src = o(metric[field]);
  const name = str(src.name);
  const container = field === 'containerResource' ? str(src.container) : '';
  const reason = field === 'resource' ? 'FailedGetResourceMetric' : 'FailedGetContainerResourceMetric';
  const target = o(src.target);
  const fail = (message: string): InvalidMetric => new InvalidMetric(reason, message, message);
  const type = field === 'resource' ? 'Resource' : 'ContainerResource';
  const identity = field === 'resource' ? { name } : { name, container };
  const averageValue = parseQuantity(target.averageValue);
  if (averageValue === undefined && typeof target.averageUtilization !== 'number') {
    throw fail('invalid resource metric source: neither an average utilization target nor an average value (usage) target was set');
  }
  let metrics: PodMetrics;
  try {
    const items = await input.podMetrics();
    if (items.length === 0) throw new MetricError('no metrics returned from resource metrics API');
    metrics = podMetricsFor(items, name, container);
  } catch (err) {
    const what = averageValue === undefined ? 'utilization' : 'usage';
    throw fail(`failed to get ${name} ${what}: unable to get metrics for resource ${name}: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    if (averageValue !== undefined) {
      const raw = rawResourceReplicas(input.specReplicas, Number(milliValue(averageValue)), name, input.pods, metrics, input.options);
      return { replicas: raw.replicas, metricName: `${name} ${field === 'resource' ? '' : 'container '}resource`, status: { type, [field]: { ...identity, current: { averageValue: milliQuantity(raw.usageMilli) } } } };
    }
    const p = resourceReplicas(input.specReplicas, target.averageUtilization as number, name, input.pods, metrics, input.options);
    const current = { averageValue: milliQuantity(p.rawAverageMilli), averageUtilization: p.utilization };
    return { replicas: p.replicas, metricName: `${name} ${field === 'resource' ? '' : 'container '}resource utilization (percentage of request)`, status: { type, [field]: { ...identity, current } } };
  } catch (err) {
    if (!(err instanceof MetricError)) throw err;
    throw fail(`failed to get ${name} ${averageValue === undefined ? 'utilization' : 'usage'}: ${err.message}`);
  }
}

/** Pods, Object and External metrics: no custom or external metrics API answers here. */
function unservedProposal(metric: Obj, namespace: string): never {
  const type = str(metric.type);
  if (type === 'Pods') {
    const detail = `unable to get metric ${str(o(o(metric.pods).metric).name)}: unable to fetch metrics from custom metrics API: ${CUSTOM_METRICS_MISSING}`;
    throw new InvalidMetric('FailedGetPodsMetric', detail, `failed to get pods metric value: ${detail}`);
  }
  if (type === 'Object') {
    const src = o(metric.object);
    const ref = o(src.describedObject);
    const detail = `unable to get metric ${str(o(src.metric).name)}: unable to fetch metrics from custom metrics API: ${CUSTOM_METRICS_MISSING} on ${str(ref.kind)} ${namespace}/${str(ref.name)}`;
    throw new InvalidMetric('FailedGetObjectMetric', detail, `failed to get object metric value: ${detail}`);
  }
  if (type === 'External') {
    const name = str(o(o(metric.external).metric).name);
    const detail = `unable to get external metric ${namespace}/${name}: unable to fetch metrics from external metrics API: ${CUSTOM_METRICS_MISSING}`;
    throw new InvalidMetric('FailedGetExternalMetric', detail, `failed to get external metric ${name}: ${detail}`);
  }
  const detail = `unknown metric source type ${JSON.stringify(type)}`;
  throw new InvalidMetric('InvalidMetricSourceType', detail, detail);
}

async function proposalFor(input: MetricsInput, metric: Obj, namespace: string): Promise<Proposal> {
  const type = str(metric.type);
  if (type === 'Resource') return resourceProposal(input, metric, 'resource');
  if (type === 'ContainerResource') return resourceProposal(input, metric, 'containerResource');
  return unservedProposal(metric, namespace);
}

export async function computeReplicasForMetrics(input: MetricsInput, namespace: string): Promise<MetricsOutcome> {
  const specs = arr(input.spec.metrics);
  const statuses: Obj[] = [];
  const events: HpaEvent[] = [];
  let best: Proposal | undefined;
  let firstInvalid: InvalidMetric | undefined;
  let invalid = 0;
  for (const metric of specs) {
    try {
      const p = await proposalFor(input, metric, namespace);
      statuses.push(p.status);
      if (best === undefined || p.replicas > best.replicas) best = p;
    } catch (err) {
      if (!(err instanceof InvalidMetric)) throw err;
      statuses.push({ type: '' });
      events.push({ type: 'Warning', reason: err.reason, message: err.detail });
      firstInvalid ??= err;
      invalid++;
    }
  }
  const error = firstInvalid === undefined ? undefined : `invalid metrics (${invalid} invalid out of ${specs.length}), first error is: ${firstInvalid.message}`;
  if (firstInvalid !== undefined && (best === undefined || best.replicas < input.specReplicas)) {
    const condition: ConditionValue = { type: 'ScalingActive', status: 'False', reason: firstInvalid.reason, message: `the HPA was unable to compute the replica count: ${firstInvalid.detail}` };
    return { metricName: '', statuses, condition, events, error };
  }
  const metricName = best?.metricName ?? '';
  const condition: ConditionValue = { type: 'ScalingActive', status: 'True', reason: 'ValidMetricFound', message: `the HPA was able to successfully calculate a replica count from ${metricName}` };
  return { replicas: best?.replicas ?? 0, metricName, statuses, condition, events, error };
}
