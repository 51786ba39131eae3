// autoscaling/v2 HorizontalPodAutoscaler defaults, as kube-apiserver 1.31 applies them: minReplicas 1, a CPU
// utilization target of 80 % when no metric is given, and — only when spec.behavior is present — every unset scaling
// rule filled in from the rules that reproduce the controller's behaviour without one (scale up by at most 4 pods or
// 100 % per 15 s, scale down by at most 100 % per 15 s). The scale-down stabilization window stays unset: the
// controller's --horizontal-pod-autoscaler-downscale-stabilization flag decides it.
import type { KubeObject } from '../../types.ts';
import { child, o, type Obj } from '../values.ts';

/** autoscaling.DefaultCPUUtilization: the target when an HPA names no metric (and v1's implicit one). */
export const DEFAULT_CPU_UTILIZATION = 80;

export function cpuUtilizationMetric(averageUtilization: number): Obj {
  return { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization } } };
}

function scaleUpRules(): Obj {
  return {
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Max',
    policies: [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ],
  };
}

function scaleDownRules(): Obj {
  return { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] };
}

/** GenerateHPAScale{Up,Down}Rules: the defaults, overridden by whatever `given` sets. */
export function fillScalingRules(given: unknown, direction: 'scaleUp' | 'scaleDown'): Obj {
  const rules = direction === 'scaleUp' ? scaleUpRules() : scaleDownRules();
  const set = o(given);
  for (const field of ['selectPolicy', 'stabilizationWindowSeconds', 'policies']) {
    if (set[field] !== undefined && set[field] !== null) rules[field] = set[field];
  }
  return rules;
}

export function defaultHorizontalPodAutoscaler(hpa: KubeObject): void {
  const spec = child(hpa, 'spec');
  spec.minReplicas ??= 1;
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) spec.metrics = [cpuUtilizationMetric(DEFAULT_CPU_UTILIZATION)];
  if (spec.behavior !== undefined && spec.behavior !== null) {
    const behavior = o(spec.behavior);
    spec.behavior = { ...behavior, scaleUp: fillScalingRules(behavior.scaleUp, 'scaleUp'), scaleDown: fillScalingRules(behavior.scaleDown, 'scaleDown') };
  }
  // Go's non-omitempty status fields (desiredReplicas, currentMetrics) are always in the JSON.
  const status = child(hpa, 'status');
  status.desiredReplicas ??= 0;
  if (!('currentMetrics' in status)) status.currentMetrics = null;
}
