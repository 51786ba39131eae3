// The horizontal pod autoscaler controller ("horizontalpodautoscaling"), as kube-controller-manager 1.31 runs it:
// every --horizontal-pod-autoscaler-sync-period each autoscaling/v2 HPA reads its target's scale subresource
// (Deployment, ReplicaSet, StatefulSet, ReplicationController), the pods of the scale's selector from the pod
// informer and their usage from metrics.k8s.io, proposes a replica count (hpa-metrics.ts, hpa-replica-calculator.ts),
// normalizes it (stabilization windows, rate limits, [min, max]: hpa-normalize.ts), writes the scale when it changes
// and the HPA's status: currentReplicas, desiredReplicas, currentMetrics, lastScaleTime and the conditions
// AbleToScale, ScalingActive and ScalingLimited with upstream's reasons and messages. Events come from the source
// "horizontal-pod-autoscaler" with upstream's reasons (SuccessfulRescale, FailedGetResourceMetric, …).
import type { KubeObject } from '../../apiserver/index.ts';
import { matchesLabels, parseLabelSelector, SelectorParseError, type LabelSelector } from '../../apiserver/rest/selectors.ts';
import { o, str, type Obj } from '../../apiserver/resources/values.ts';
import { objectKey, RESOURCES, type ResourceClient, type ResourceRef, type SharedInformer } from '../client/index.ts';
import { parseDuration } from '../controller-manager/flags.ts';
import type { ControllerContext, ControllerDescriptor } from './common/controller-context.ts';
import { apiEventSink } from './common/events.ts';
import { jsonEqual } from './common/hash.ts';
import { QueueController, splitKey, type ReconcileResult } from './common/queue-controller.ts';
import { writeStatusIfChanged } from './common/write-status.ts';
import { computeReplicasForMetrics, type ConditionValue, type MetricsOutcome } from './hpa-metrics.ts';
import { ReplicaNormalizer } from './hpa-normalize.ts';
import { MetricError, type CalculatorOptions } from './hpa-replica-calculator.ts';

export const HPA_FLAGS = {
  'horizontal-pod-autoscaler-sync-period': '15s',
  'horizontal-pod-autoscaler-downscale-stabilization': '5m',
  'horizontal-pod-autoscaler-tolerance': '0.1',
  'horizontal-pod-autoscaler-cpu-initialization-period': '5m',
  'horizontal-pod-autoscaler-initial-readiness-delay': '30s',
} as const;

const METRICS_MAX_AGE_MS = 10_000;

/** The kinds with a scale subresource, by "group/Kind". */
const SCALABLE: Record<string, ResourceRef> = {
  'apps/Deployment': RESOURCES.deployments,
  'apps/ReplicaSet': RESOURCES.replicasets,
  'apps/StatefulSet': RESOURCES.statefulsets,
  '/ReplicationController': RESOURCES.replicationcontrollers,
};

/** One pass's decision: from the scale read to the count it should have, and why. */
interface Change {
  key: string;
  target: ResourceRef;
  scale: Scale;
  current: number;
  desired: number;
  reason: string;
  metricStatuses: unknown;
  behavior: Obj | undefined;
}

interface Scale {
  metadata?: Obj;
  spec?: { replicas?: number };
  status?: { replicas?: number; selector?: string };
}

const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

/** The resource a scaleTargetRef names, or why it names none (upstream's RESTMapper wording). */
export function scaleTargetResource(ref: unknown): ResourceRef | string {
  const apiVersion = str(o(ref).apiVersion);
  const kind = str(o(ref).kind);
  const parts = apiVersion.split('/');
  if (parts.length > 2) return `unexpected GroupVersion string: ${apiVersion}`;
  const group = parts.length === 2 ? parts[0] : '';
  return SCALABLE[`${group}/${kind}`] ?? `no matches for kind ${JSON.stringify(kind)} in group ${JSON.stringify(group)}`;
}

export class HorizontalPodAutoscalerController extends QueueController {
  private readonly hpas: SharedInformer;
  private readonly pods: SharedInformer;
  private readonly client: ResourceClient<KubeObject>;
  private readonly normalizer: ReplicaNormalizer;
  private readonly syncPeriodMs: number;
  private readonly calculator: Omit<CalculatorOptions, 'nowMs'>;
  private metricsCache: { atMs: number; items: Promise<KubeObject[]> } | undefined;

  constructor(ctx: ControllerContext) {
    super('horizontalpodautoscaling', ctx);
    const flag = (name: keyof typeof HPA_FLAGS): string => ctx.options.extra[name] ?? HPA_FLAGS[name];
    this.syncPeriodMs = parseDuration(flag('horizontal-pod-autoscaler-sync-period'));
    this.normalizer = new ReplicaNormalizer(parseDuration(flag('horizontal-pod-autoscaler-downscale-stabilization')), () => ctx.clock.now());
    this.calculator = {
      tolerance: Number(flag('horizontal-pod-autoscaler-tolerance')),
      cpuInitializationPeriodMs: parseDuration(flag('horizontal-pod-autoscaler-cpu-initialization-period')),
      delayOfInitialReadinessStatusMs: parseDuration(flag('horizontal-pod-autoscaler-initial-readiness-delay')),
    };
    this.hpas = ctx.informers.informer(RESOURCES.horizontalpodautoscalers);
    this.pods = ctx.informers.informer(RESOURCES.pods);
    this.client = ctx.api.resource<KubeObject>(RESOURCES.horizontalpodautoscalers);
    const hpa = (h: KubeObject): void => this.enqueue(objectKey(h));
    // Status writes (ours) come back as updates; only a changed spec is worth a sync before the next period.
    this.hpas.addEventHandler({ onAdd: hpa, onUpdate: (old, h) => (jsonEqual(old.spec, h.spec) ? undefined : hpa(h)), onDelete: hpa });
  }

  protected async reconcile(key: string): Promise<ReconcileResult | void> {
    const cached = this.hpas.indexer.get(key);
    if (cached === undefined) {
      this.normalizer.forget(key);
      return;
    }
    await this.reconcileAutoscaler(cached, key);
    return { requeueAfterMs: this.syncPeriodMs };
  }

  private async reconcileAutoscaler(hpa: KubeObject, key: string): Promise<void> {
    const status: Obj = structuredClone(o(hpa.status));
    const target = scaleTargetResource(o(hpa.spec).scaleTargetRef);
    const scale = typeof target === 'string' ? target : await this.getScale(hpa, target);
    if (typeof target === 'string' || typeof scale === 'string') {
      const why = typeof scale === 'string' ? scale : String(target);
      this.event(hpa, 'Warning', 'FailedGetScale', why);
      setCondition(status, { type: 'AbleToScale', status: 'False', reason: 'FailedGetScale', message: `the HPA controller was unable to get the target's current scale: ${why}` }, this.now());
      return this.writeStatus(hpa, status);
    }
    setCondition(status, { type: 'AbleToScale', status: 'True', reason: 'SucceededGetScale', message: "the HPA controller was able to get the target's current scale" }, this.now());
    const spec = o(hpa.spec);
    const current = scale.spec?.replicas ?? 0;
    this.normalizer.recordInitial(key, current);
    const min = typeof spec.minReplicas === 'number' ? spec.minReplicas : 1;
    const max = typeof spec.maxReplicas === 'number' ? spec.maxReplicas : 0;
    const behavior = spec.behavior === undefined || spec.behavior === null ? undefined : o(spec.behavior);
    const change: Change = { key, target, scale, current, desired: current, reason: '', metricStatuses: null, behavior };
    if (current === 0 && min !== 0) {
      setCondition(status, { type: 'ScalingActive', status: 'False', reason: 'ScalingDisabled', message: 'scaling is disabled since the replica count of the target is zero' }, this.now());
      return this.finish(hpa, status, current, current, null, false);
    }
    if (current > max) return this.rescale(hpa, status, { ...change, desired: max, reason: 'Current number of replicas above Spec.MaxReplicas' });
    if (current < min) return this.rescale(hpa, status, { ...change, desired: min, reason: 'Current number of replicas below Spec.MinReplicas' });
    return this.followMetrics(hpa, status, change, min, max);
  }

  /** The metrics' proposal, normalized; a pass whose metrics could not be used keeps the replica count. */
  private async followMetrics(hpa: KubeObject, status: Obj, change: Change, min: number, max: number): Promise<void> {
    const { current } = change;
    const outcome = await this.metricsOutcome(hpa, change.scale);
    for (const e of outcome.events) this.event(hpa, e.type, e.reason, e.message);
    setCondition(status, outcome.condition, this.now());
    if (outcome.replicas === undefined) {
      if (outcome.error !== undefined) this.event(hpa, 'Warning', 'FailedComputeMetricsReplicas', outcome.error);
      return this.finish(hpa, status, current, typeof status.desiredReplicas === 'number' ? status.desiredReplicas : 0, status.currentMetrics ?? null, false);
    }
    const proposed = Math.max(0, outcome.replicas);
    const reason = proposed > current ? `${outcome.metricName} above target` : proposed < current ? 'All metrics below target' : '';
    const normalized = this.normalizer.normalize({ key: change.key, behavior: change.behavior, minReplicas: min, maxReplicas: max, currentReplicas: current, desiredReplicas: proposed });
    setCondition(status, { type: 'AbleToScale', status: 'True', ...normalized.ableToScale }, this.now());
    setCondition(status, { type: 'ScalingLimited', ...normalized.limited }, this.now());
    if (normalized.replicas === current) return this.finish(hpa, status, current, current, outcome.statuses, false);
    return this.rescale(hpa, status, { ...change, desired: normalized.replicas, reason, metricStatuses: outcome.statuses });
  }

  /** Writes the new scale, then the status; a failed write is reported and leaves the replica count alone. */
  private async rescale(hpa: KubeObject, status: Obj, change: Change): Promise<void> {
    const { target, scale, current, desired, reason } = change;
    const namespace = hpa.metadata?.namespace ?? '';
    try {
      await this.ctx.api.resource(target).updateSubresource(namespace, str(o(o(hpa.spec).scaleTargetRef).name), 'scale', { ...scale, spec: { ...scale.spec, replicas: desired } });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.event(hpa, 'Warning', 'FailedRescale', `New size: ${desired}; reason: ${reason}; error: ${message}`);
      setCondition(status, { type: 'AbleToScale', status: 'False', reason: 'FailedUpdateScale', message: `the HPA controller was unable to update the target scale: ${message}` }, this.now());
      return this.finish(hpa, status, current, typeof status.desiredReplicas === 'number' ? status.desiredReplicas : 0, status.currentMetrics ?? null, false);
    }
    setCondition(status, { type: 'AbleToScale', status: 'True', reason: 'SucceededRescale', message: `the HPA controller was able to update the target scale to ${desired}` }, this.now());
    this.event(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${reason}`);
    this.normalizer.recordScale(change.behavior, change.key, current, desired);
    this.log.info({ hpa: objectKey(hpa), from: current, to: desired, reason }, 'rescaled');
    return this.finish(hpa, status, current, desired, change.metricStatuses, true);
  }

  /** setStatus: the counts and metrics of this pass (lastScaleTime when it rescaled), then the write if anything changed. */
  private async finish(hpa: KubeObject, status: Obj, current: number, desired: number, metricStatuses: unknown, rescaled: boolean): Promise<void> {
    const next: Obj = {};
    if (status.observedGeneration !== undefined) next.observedGeneration = status.observedGeneration;
    const lastScaleTime = rescaled ? rfc3339(this.now()) : status.lastScaleTime;
    if (lastScaleTime !== undefined) next.lastScaleTime = lastScaleTime;
    if (current !== 0) next.currentReplicas = current;
    next.desiredReplicas = desired;
    next.currentMetrics = metricStatuses;
    if (Array.isArray(status.conditions) && status.conditions.length > 0) next.conditions = status.conditions;
    return this.writeStatus(hpa, next);
  }

  private async writeStatus(hpa: KubeObject, status: Obj): Promise<void> {
    await writeStatusIfChanged(this.client, hpa, status);
  }

  private async getScale(hpa: KubeObject, target: ResourceRef): Promise<Scale | string> {
    try {
      return await this.ctx.api.resource(target).getSubresource<Scale>(hpa.metadata?.namespace ?? '', str(o(o(hpa.spec).scaleTargetRef).name), 'scale');
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  }

  /** The pods of the scale's selector and their metrics, through hpa-metrics.ts; selector problems as upstream reports them. */
  private async metricsOutcome(hpa: KubeObject, scale: Scale): Promise<MetricsOutcome> {
    const text = scale.status?.selector ?? '';
    const invalid = (reason: string, eventReason: string, message: string, conditionMessage = message): MetricsOutcome => ({
      metricName: '',
      statuses: [],
      condition: { type: 'ScalingActive', status: 'False', reason, message: conditionMessage },
      events: [{ type: 'Warning', reason: eventReason, message }],
      error: message,
    });
    if (text === '') return invalid('InvalidSelector', 'SelectorRequired', 'selector is required', "the HPA target's scale is missing a selector");
    let selector: LabelSelector;
    try {
      selector = parseLabelSelector(text);
    } catch (err) {
      if (!(err instanceof SelectorParseError)) throw err;
      return invalid('InvalidSelector', 'InvalidSelector', `couldn't convert selector into a corresponding internal selector object: ${err.message}`);
    }
    const { namespace } = splitKey(objectKey(hpa));
    const selected = (p: KubeObject): boolean => p.metadata?.namespace === namespace && matchesLabels(selector, p.metadata?.labels);
    const pods = this.pods.indexer.byIndex('namespace', namespace).filter(selected);
    const podMetrics = async (): Promise<KubeObject[]> => {
      try {
        return (await this.clusterPodMetrics()).filter(selected);
      } catch (err) {
        throw new MetricError(`unable to fetch metrics from resource metrics API: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    const input = { spec: o(hpa.spec), specReplicas: scale.spec?.replicas ?? 0, pods, podMetrics, options: { ...this.calculator, nowMs: this.now() } };
    return computeReplicasForMetrics(input, namespace);
  }

  /**
   * Every pod's PodMetrics, read at most once per METRICS_MAX_AGE (half the sync period, at most 10 s) for all HPAs
   * rather than once per HPA: each read makes every node's kubelet sample all its pods, and one sync's HPAs need
   * the same figures (the kubelet reports CPU over a ten-second window, so fresher reads would add little).
   */
  private clusterPodMetrics(): Promise<KubeObject[]> {
    const now = this.now();
    const cached = this.metricsCache;
    if (cached !== undefined && now - cached.atMs < Math.min(this.syncPeriodMs / 2, METRICS_MAX_AGE_MS)) return cached.items;
    const items = this.ctx.api.resource<KubeObject>(RESOURCES.podmetrics).list('').then((r) => r.items);
    this.metricsCache = { atMs: now, items };
    // A failed read is not kept: the next HPA asks again.
    items.catch(() => {
      if (this.metricsCache?.items === items) this.metricsCache = undefined;
    });
    return items;
  }

  private event(hpa: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.ctx.events.event(hpa, type, reason, message);
  }

  private now(): number {
    return this.ctx.clock.now();
  }
}

/** setCondition: replaces the condition of that type (added at the end when new); the transition time moves with its status. */
export function setCondition(status: Obj, condition: ConditionValue, nowMs: number): void {
  const conditions = (Array.isArray(status.conditions) ? status.conditions : []) as Obj[];
  const existing = conditions.find((c) => c.type === condition.type);
  const lastTransitionTime = existing !== undefined && existing.status === condition.status ? existing.lastTransitionTime : rfc3339(nowMs);
  const next = { type: condition.type, status: condition.status, lastTransitionTime, reason: condition.reason, message: condition.message };
  status.conditions = existing === undefined ? [...conditions, next] : conditions.map((c) => (c === existing ? next : c));
}

export const horizontalPodAutoscalerController: ControllerDescriptor = {
  name: 'horizontalpodautoscaling',
  flags: HPA_FLAGS,
  // Events carry kube-controller-manager's source for this controller, not "<name>-controller".
  create: (ctx) => new HorizontalPodAutoscalerController({ ...ctx, events: apiEventSink(ctx.api, ctx.clock, ctx.logger, 'horizontal-pod-autoscaler') }),
};
