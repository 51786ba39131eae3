// autoscaling/v1 ↔ autoscaling/v2 HorizontalPodAutoscalers, as kube-apiserver converts them (autoscaling/v1's
// conversion.go): v1's spec.targetCPUUtilizationPercentage is a v2 Resource metric for cpu with an Utilization target
// and status.currentCPUUtilizationPercentage its current utilization. What v1 has no field for travels in
// annotations, so a v2 object read and written back through v1 loses nothing: the other metrics
// (`autoscaling.alpha.kubernetes.io/metrics`, in v1's metric shapes), every current metric (`…/current-metrics`), the
// conditions (`…/conditions`) and spec.behavior (`…/behavior`, upstream marshals its internal type, so the keys are
// Go's field names). Converting v1 back to v2 lifts them out of the annotations again. A v1 object without any
// metric gets the 80 % CPU target, as upstream applies it during this conversion.
import type { KubeObject } from '../../types.ts';
import { arr, o, str, type Obj } from '../values.ts';
import { cpuUtilizationMetric, DEFAULT_CPU_UTILIZATION } from './hpa-defaults.ts';

export const METRIC_SPECS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
export const METRIC_STATUSES_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
export const BEHAVIOR_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';
const ROUND_TRIP_ANNOTATIONS = [METRIC_SPECS_ANNOTATION, METRIC_STATUSES_ANNOTATION, CONDITIONS_ANNOTATION, BEHAVIOR_ANNOTATION];

export const AUTOSCALING_V1 = 'autoscaling/v1';
export const AUTOSCALING_V2 = 'autoscaling/v2';

/** `obj` without the undefined-valued keys (Go's omitempty), so JSON and comparisons see what Go would write. */
function defined(obj: Obj): Obj {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined));
}

const isCpuUtilization = (m: Obj): boolean => str(m.type) === 'Resource' && str(o(m.resource).name) === 'cpu' && o(o(m.resource).target).averageUtilization !== undefined;

// --- metric sources and statuses, v2 shape → v1 shape ---

function metricSpecToV1(m: Obj): Obj {
  const type = str(m.type);
  const src = o(m[sourceField(type)]);
  const target = o(src.target);
  const metric = o(src.metric);
  switch (type) {
    case 'Object':
      return { type, object: defined({ target: src.describedObject, metricName: metric.name, targetValue: target.value ?? '0', selector: metric.selector, averageValue: target.averageValue }) };
    case 'Pods':
      return { type, pods: defined({ metricName: metric.name, targetAverageValue: target.averageValue ?? '0', selector: metric.selector }) };
    case 'External':
      return { type, external: defined({ metricName: metric.name, metricSelector: metric.selector, targetValue: target.value, targetAverageValue: target.averageValue }) };
    case 'ContainerResource':
      return { type, containerResource: defined({ name: src.name, targetAverageUtilization: target.averageUtilization, targetAverageValue: target.averageValue, container: src.container }) };
    default:
      return { type, resource: defined({ name: src.name, targetAverageUtilization: target.averageUtilization, targetAverageValue: target.averageValue }) };
  }
}

function metricStatusToV1(m: Obj): Obj {
  const type = str(m.type);
  const src = o(m[sourceField(type)]);
  const current = o(src.current);
  const metric = o(src.metric);
  switch (type) {
    case 'Object':
      return { type, object: defined({ target: src.describedObject, metricName: metric.name, currentValue: current.value ?? '0', selector: metric.selector, averageValue: current.averageValue }) };
    case 'Pods':
      return { type, pods: defined({ metricName: metric.name, currentAverageValue: current.averageValue ?? '0', selector: metric.selector }) };
    case 'External':
      return { type, external: defined({ metricName: metric.name, metricSelector: metric.selector, currentValue: current.value ?? '0', currentAverageValue: current.averageValue }) };
    case 'ContainerResource':
      return { type, containerResource: defined({ name: src.name, currentAverageUtilization: current.averageUtilization, currentAverageValue: current.averageValue ?? '0', container: src.container }) };
    default:
      return { type, resource: defined({ name: src.name, currentAverageUtilization: current.averageUtilization, currentAverageValue: current.averageValue ?? '0' }) };
  }
}

// --- and back ---

function metricSpecFromV1(m: Obj): Obj {
  const type = str(m.type);
  const src = o(m[sourceField(type)]);
  switch (type) {
    case 'Object': {
      const target = defined({ type: src.averageValue === undefined ? 'Value' : 'AverageValue', value: src.targetValue, averageValue: src.averageValue });
      return { type, object: { describedObject: src.target, metric: defined({ name: src.metricName, selector: src.selector }), target } };
    }
    case 'Pods':
      return { type, pods: { metric: defined({ name: src.metricName, selector: src.selector }), target: { type: 'AverageValue', averageValue: src.targetAverageValue } } };
    case 'External': {
      const target = defined({ type: src.targetValue === undefined ? 'AverageValue' : 'Value', value: src.targetValue, averageValue: src.targetAverageValue });
      return { type, external: { metric: defined({ name: src.metricName, selector: src.metricSelector }), target } };
    }
    default: {
      const target = defined({ type: src.targetAverageUtilization === undefined ? 'AverageValue' : 'Utilization', averageUtilization: src.targetAverageUtilization, averageValue: src.targetAverageValue });
      const field = type === 'ContainerResource' ? 'containerResource' : 'resource';
      return { type, [field]: defined({ name: src.name, target, container: src.container }) };
    }
  }
}

function metricStatusFromV1(m: Obj): Obj {
  const type = str(m.type);
  const src = o(m[sourceField(type)]);
  switch (type) {
    case 'Object':
      return { type, object: { describedObject: src.target, metric: defined({ name: src.metricName, selector: src.selector }), current: defined({ value: src.currentValue, averageValue: src.averageValue }) } };
    case 'Pods':
      return { type, pods: { metric: defined({ name: src.metricName, selector: src.selector }), current: { averageValue: src.currentAverageValue } } };
    case 'External':
      return { type, external: { metric: defined({ name: src.metricName, selector: src.metricSelector }), current: defined({ value: src.currentValue, averageValue: src.currentAverageValue }) } };
    default: {
      const current = defined({ averageValue: src.currentAverageValue, averageUtilization: src.currentAverageUtilization });
      const field = type === 'ContainerResource' ? 'containerResource' : 'resource';
      return { type, [field]: defined({ name: src.name, current, container: src.container }) };
    }
  }
}

function sourceField(type: string): string {
  return { Object: 'object', Pods: 'pods', External: 'external', ContainerResource: 'containerResource' }[type] ?? 'resource';
}

// --- behavior: JSON keys as Go names the internal type's fields ---

const GO_NAMES: Record<string, string> = {
  scaleUp: 'ScaleUp',
  scaleDown: 'ScaleDown',
  stabilizationWindowSeconds: 'StabilizationWindowSeconds',
  selectPolicy: 'SelectPolicy',
  policies: 'Policies',
  type: 'Type',
  value: 'Value',
  periodSeconds: 'PeriodSeconds',
};
const JSON_NAMES = new Map(Object.entries(GO_NAMES).map(([json, go]) => [go.toLowerCase(), json]));

function renameKeys(value: unknown, rename: (key: string) => string | undefined): unknown {
  if (Array.isArray(value)) return value.map((v) => renameKeys(v, rename));
  if (typeof value !== 'object' || value === null) return value;
  const out: Obj = {};
  for (const [k, v] of Object.entries(value)) {
    const name = rename(k);
    if (name !== undefined) out[name] = renameKeys(v, rename);
  }
  return out;
}

/** The internal behavior as upstream marshals it: every rule field present (null when unset), Go's names. */
function behaviorToAnnotation(behavior: Obj): string {
  const rules = (r: unknown): unknown => (r === undefined || r === null ? null : { stabilizationWindowSeconds: o(r).stabilizationWindowSeconds ?? null, selectPolicy: o(r).selectPolicy ?? null, policies: o(r).policies ?? null });
  return JSON.stringify(renameKeys({ scaleUp: rules(behavior.scaleUp), scaleDown: rules(behavior.scaleDown) }, (k) => GO_NAMES[k] ?? k));
}

/** Go's decoder matches field names case-insensitively; nulls are unset fields. A malformed or empty value: none. */
function behaviorFromAnnotation(text: string): Obj | undefined {
  const parsed = parseJson(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const behavior = o(renameKeys(parsed, (k) => JSON_NAMES.get(k.toLowerCase())));
  const rules = (r: unknown): Obj | undefined => (r === null || r === undefined ? undefined : defined(Object.fromEntries(Object.entries(o(r)).map(([k, v]) => [k, v ?? undefined]))));
  const out = defined({ scaleUp: rules(behavior.scaleUp), scaleDown: rules(behavior.scaleDown) });
  return Object.keys(out).length === 0 ? undefined : out;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

// --- whole objects ---

/** The annotations without the round-trip ones, and those, for conversion. */
function splitAnnotations(meta: Obj): { kept: Record<string, string>; roundTrip: Record<string, string> } {
  const kept: Record<string, string> = {};
  const roundTrip: Record<string, string> = {};
  for (const [k, v] of Object.entries(o(meta.annotations))) {
    if (ROUND_TRIP_ANNOTATIONS.includes(k)) roundTrip[k] = str(v);
    else kept[k] = str(v);
  }
  return { kept, roundTrip };
}

function withAnnotations(meta: Obj, annotations: Record<string, string>): Obj {
  const out = { ...meta };
  if (Object.keys(annotations).length > 0) out.annotations = annotations;
  else delete out.annotations;
  return out;
}

/** A stored (autoscaling/v2) HorizontalPodAutoscaler as autoscaling/v1 shows it. */
export function hpaV2ToV1(hpa: KubeObject): KubeObject {
  const spec = o(hpa.spec);
  const status = o(hpa.status);
  const metrics = arr(spec.metrics);
  const { kept } = splitAnnotations(o(hpa.metadata));
  const annotations = { ...kept };
  const other = metrics.filter((m) => !isCpuUtilization(m)).map(metricSpecToV1);
  if (other.length > 0) annotations[METRIC_SPECS_ANNOTATION] = JSON.stringify(other);
  const currentMetrics = arr(status.currentMetrics);
  if (currentMetrics.length > 0) annotations[METRIC_STATUSES_ANNOTATION] = JSON.stringify(currentMetrics.map(metricStatusToV1));
  const conditions = arr(status.conditions);
  if (conditions.length > 0) annotations[CONDITIONS_ANNOTATION] = JSON.stringify(conditions.map((c) => defined({ type: c.type, status: c.status, lastTransitionTime: c.lastTransitionTime, reason: c.reason, message: c.message })));
  if (spec.behavior !== undefined && spec.behavior !== null) annotations[BEHAVIOR_ANNOTATION] = behaviorToAnnotation(o(spec.behavior));
  // The first cpu Resource metric decides, and only if it is a utilization target (upstream stops at it either way).
  const cpu = metrics.find((m) => str(m.type) === 'Resource' && str(o(m.resource).name) === 'cpu');
  const cpuStatus = currentMetrics.filter((m) => str(m.type) === 'Resource' && str(o(m.resource).name) === 'cpu' && o(o(m.resource).current).averageUtilization !== undefined).at(-1);
  return {
    apiVersion: AUTOSCALING_V1,
    kind: hpa.kind,
    metadata: withAnnotations(o(hpa.metadata), annotations),
    spec: defined({
      scaleTargetRef: spec.scaleTargetRef,
      minReplicas: spec.minReplicas,
      maxReplicas: spec.maxReplicas ?? 0,
      targetCPUUtilizationPercentage: cpu === undefined ? undefined : o(o(cpu.resource).target).averageUtilization,
    }),
    status: defined({
      observedGeneration: status.observedGeneration,
      lastScaleTime: status.lastScaleTime,
      currentReplicas: status.currentReplicas ?? 0,
      desiredReplicas: status.desiredReplicas ?? 0,
      currentCPUUtilizationPercentage: cpuStatus === undefined ? undefined : o(o(cpuStatus.resource).current).averageUtilization,
    }),
  } as KubeObject;
}

/** An autoscaling/v1 HorizontalPodAutoscaler as it is stored (autoscaling/v2). */
export function hpaV1ToV2(hpa: KubeObject): KubeObject {
  const spec = o(hpa.spec);
  const status = o(hpa.status);
  const { kept, roundTrip } = splitAnnotations(o(hpa.metadata));
  const other = arr(parseJson(roundTrip[METRIC_SPECS_ANNOTATION] ?? '[]')).map(metricSpecFromV1);
  const cpu = typeof spec.targetCPUUtilizationPercentage === 'number' ? [cpuUtilizationMetric(spec.targetCPUUtilizationPercentage)] : [];
  const metrics = [...other, ...cpu];
  let currentMetrics: unknown = null;
  if (roundTrip[METRIC_STATUSES_ANNOTATION] !== undefined) currentMetrics = arr(parseJson(roundTrip[METRIC_STATUSES_ANNOTATION])).map(metricStatusFromV1);
  else if (typeof status.currentCPUUtilizationPercentage === 'number') {
    currentMetrics = [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: status.currentCPUUtilizationPercentage } } }];
  }
  const conditions = roundTrip[CONDITIONS_ANNOTATION] === undefined ? undefined : arr(parseJson(roundTrip[CONDITIONS_ANNOTATION]));
  const behavior = roundTrip[BEHAVIOR_ANNOTATION] === undefined ? undefined : behaviorFromAnnotation(roundTrip[BEHAVIOR_ANNOTATION]);
  return {
    apiVersion: AUTOSCALING_V2,
    kind: hpa.kind,
    metadata: withAnnotations(o(hpa.metadata), kept),
    spec: defined({
      scaleTargetRef: spec.scaleTargetRef,
      minReplicas: spec.minReplicas,
      maxReplicas: spec.maxReplicas ?? 0,
      metrics: metrics.length > 0 ? metrics : [cpuUtilizationMetric(DEFAULT_CPU_UTILIZATION)],
      behavior,
    }),
    status: defined({
      observedGeneration: status.observedGeneration,
      lastScaleTime: status.lastScaleTime,
      currentReplicas: status.currentReplicas === 0 ? undefined : status.currentReplicas,
      desiredReplicas: status.desiredReplicas ?? 0,
      currentMetrics,
      conditions: conditions !== undefined && conditions.length > 0 ? conditions : undefined,
    }),
  } as KubeObject;
}
