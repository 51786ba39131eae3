// autoscaling/v2 HorizontalPodAutoscaler validation with kube-apiserver 1.31's rules and messages (the autoscaling
// validation package): replica bounds, the scale target reference, each metric source and its target, and the
// scaling rules of spec.behavior. autoscaling/v1 objects are converted and checked by the same code, so both
// versions report the same fields, as upstream validates the internal form of either.
import type { KubeObject } from '../../types.ts';
import { cause, type StatusCause } from '../../rest/status.ts';
import { validateName } from '../names.ts';
import { parseQuantity } from '../quantity.ts';
import { arr, o, str, type Obj } from '../values.ts';

const MAX_PERIOD_SECONDS = 1800;
const MAX_STABILIZATION_WINDOW_SECONDS = 3600;
const METRIC_SOURCE_TYPES = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];
/** Metric type → the field holding its source. */
const SOURCE_FIELDS: Record<string, string> = { Object: 'object', Pods: 'pods', Resource: 'resource', External: 'external', ContainerResource: 'containerResource' };
const SELECT_POLICIES = ['Disabled', 'Max', 'Min'];
const POLICY_TYPES = ['Percent', 'Pods'];

const int = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

export function validateCrossVersionObjectReference(ref: unknown, field: string): StatusCause[] {
  const r = o(ref);
  const causes: StatusCause[] = [];
  for (const part of ['kind', 'name']) {
    const value = str(r[part]);
    if (value === '') causes.push(cause.required(`${field}.${part}`));
    else causes.push(...validateName(value, 'path', `${field}.${part}`));
  }
  return causes;
}

function validateMetricTarget(target: Obj, field: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const type = str(target.type);
  if (type === '') causes.push(cause.required(`${field}.type`, 'must specify a metric target type'));
  if (!['Utilization', 'Value', 'AverageValue'].includes(type)) causes.push(cause.invalid(`${field}.type`, type, 'must be either Utilization, Value, or AverageValue'));
  for (const q of ['value', 'averageValue']) {
    if (target[q] === undefined || target[q] === null) continue;
    const parsed = parseQuantity(target[q]);
    if (parsed === undefined || parsed.nanos <= 0n) causes.push(cause.invalid(`${field}.${q}`, target[q], 'must be positive'));
  }
  const utilization = int(target.averageUtilization);
  if (utilization !== undefined && utilization < 1) causes.push(cause.invalid(`${field}.averageUtilization`, utilization, 'must be greater than 0'));
  return causes;
}

function validateMetricIdentifier(id: Obj, field: string): StatusCause[] {
  const name = str(id.name);
  if (name === '') return [cause.required(`${field}.name`, 'must specify a metric name')];
  return validateName(name, 'path', `${field}.name`);
}

const has = (obj: Obj, field: string): boolean => obj[field] !== undefined && obj[field] !== null;

function validateResourceSource(src: Obj, field: string, container: boolean): StatusCause[] {
  const causes: StatusCause[] = [];
  if (str(src.name) === '') causes.push(cause.required(`${field}.name`, 'must specify a resource name'));
  if (container) {
    const c = str(src.container);
    if (c === '') causes.push(cause.required(`${field}.container`, 'must specify a container'));
    else causes.push(...validateName(c, 'label', `${field}.container`));
  }
  const target = o(src.target);
  causes.push(...validateMetricTarget(target, `${field}.target`));
  if (!has(target, 'averageUtilization') && !has(target, 'averageValue')) {
    causes.push(cause.required(`${field}.target.averageUtilization`, 'must set either a target raw value or a target utilization'));
  }
  if (has(target, 'averageUtilization') && has(target, 'averageValue')) {
    causes.push(cause.forbidden(`${field}.target.averageValue`, 'may not set both a target raw value and a target utilization'));
  }
  return causes;
}

function validateSource(type: string, src: Obj, field: string): StatusCause[] {
  const target = o(src.target);
  switch (type) {
    case 'object': {
      const causes = [...validateCrossVersionObjectReference(src.describedObject, `${field}.describedObject`), ...validateMetricIdentifier(o(src.metric), `${field}.metric`), ...validateMetricTarget(target, `${field}.target`)];
      if (!has(target, 'value') && !has(target, 'averageValue')) causes.push(cause.required(`${field}.target.averageValue`, 'must set either a target value or averageValue'));
      return causes;
    }
    case 'external': {
      const causes = [...validateMetricIdentifier(o(src.metric), `${field}.metric`), ...validateMetricTarget(target, `${field}.target`)];
      if (!has(target, 'value') && !has(target, 'averageValue')) causes.push(cause.required(`${field}.target.averageValue`, 'must set either a target value for metric or a per-pod target'));
      if (has(target, 'value') && has(target, 'averageValue')) causes.push(cause.forbidden(`${field}.target.value`, 'may not set both a target value for metric and a per-pod target'));
      return causes;
    }
    case 'pods': {
      const causes = [...validateMetricIdentifier(o(src.metric), `${field}.metric`), ...validateMetricTarget(target, `${field}.target`)];
      if (!has(target, 'averageValue')) causes.push(cause.required(`${field}.target.averageValue`, 'must specify a positive target averageValue'));
      return causes;
    }
    case 'resource':
      return validateResourceSource(src, field, false);
    default:
      return validateResourceSource(src, field, true);
  }
}

function validateMetricSpec(spec: Obj, field: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const type = str(spec.type);
  if (type === '') causes.push(cause.required(`${field}.type`, 'must specify a metric source type'));
  if (!METRIC_SOURCE_TYPES.includes(type)) causes.push(cause.notSupported(`${field}.type`, type, METRIC_SOURCE_TYPES));
  const present = Object.values(SOURCE_FIELDS).filter((f) => has(spec, f));
  // Only the first source present is looked into, as upstream does.
  if (present.length > 0) causes.push(...validateSource(present[0], o(spec[present[0]]), `${field}.${present[0]}`));
  const expected = SOURCE_FIELDS[type];
  if (expected !== undefined && !has(spec, expected)) causes.push(cause.required(`${field}.${expected}`, 'must populate information for the given metric source'));
  if (expected === undefined) causes.push(cause.notSupported(`${field}.type`, type, METRIC_SOURCE_TYPES));
  if (present.length > 1) {
    for (const other of present.filter((f) => f !== expected)) causes.push(cause.forbidden(`${field}.${other}`, 'must populate the given metric source only'));
  }
  return causes;
}

function validateScalingRules(rules: unknown, field: string): StatusCause[] {
  if (rules === undefined || rules === null) return [];
  const r = o(rules);
  const causes: StatusCause[] = [];
  const window = int(r.stabilizationWindowSeconds);
  if (window !== undefined && window < 0) causes.push(cause.invalid(`${field}.stabilizationWindowSeconds`, window, 'must be greater than or equal to zero'));
  if (window !== undefined && window > MAX_STABILIZATION_WINDOW_SECONDS) {
    causes.push(cause.invalid(`${field}.stabilizationWindowSeconds`, window, `must be less than or equal to ${MAX_STABILIZATION_WINDOW_SECONDS}`));
  }
  if (r.selectPolicy !== undefined && r.selectPolicy !== null && !SELECT_POLICIES.includes(str(r.selectPolicy))) {
    causes.push(cause.notSupported(`${field}.selectPolicy`, r.selectPolicy, SELECT_POLICIES));
  }
  const policies = arr(r.policies);
  if (policies.length === 0) causes.push(cause.required(`${field}.policies`, 'must specify at least one Policy'));
  policies.forEach((policy, i) => {
    const at = `${field}.policies[${i}]`;
    const type = str(policy.type);
    if (!POLICY_TYPES.includes(type)) causes.push(cause.notSupported(`${at}.type`, type, POLICY_TYPES));
    const value = int(policy.value) ?? 0;
    if (value <= 0) causes.push(cause.invalid(`${at}.value`, value, 'must be greater than zero'));
    const period = int(policy.periodSeconds) ?? 0;
    if (period <= 0) causes.push(cause.invalid(`${at}.periodSeconds`, period, 'must be greater than zero'));
    if (period > MAX_PERIOD_SECONDS) causes.push(cause.invalid(`${at}.periodSeconds`, period, `must be less than or equal to ${MAX_PERIOD_SECONDS}`));
  });
  return causes;
}

/** validateHorizontalPodAutoscalerSpec (scale-to-zero is an alpha feature, off: minReplicas must be at least 1). */
export function validateHorizontalPodAutoscaler(hpa: KubeObject): StatusCause[] {
  const spec = o(hpa.spec);
  const causes: StatusCause[] = [];
  const min = int(spec.minReplicas);
  const max = int(spec.maxReplicas) ?? 0;
  if (min !== undefined && min < 1) causes.push(cause.invalid('spec.minReplicas', min, 'must be greater than or equal to 1'));
  if (max < 1) causes.push(cause.invalid('spec.maxReplicas', max, 'must be greater than 0'));
  if (min !== undefined && max < min) causes.push(cause.invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  causes.push(...validateCrossVersionObjectReference(spec.scaleTargetRef, 'spec.scaleTargetRef'));
  arr(spec.metrics).forEach((m, i) => causes.push(...validateMetricSpec(m, `spec.metrics[${i}]`)));
  const behavior = o(spec.behavior);
  causes.push(...validateScalingRules(behavior.scaleUp, 'spec.behavior.scaleUp'), ...validateScalingRules(behavior.scaleDown, 'spec.behavior.scaleDown'));
  const status = o(hpa.status);
  for (const f of ['currentReplicas', 'desiredReplicas']) {
    const n = int(status[f]);
    if (n !== undefined && n < 0) causes.push(cause.invalid(`status.${f}`, n, 'must be greater than or equal to 0'));
  }
  return causes;
}
