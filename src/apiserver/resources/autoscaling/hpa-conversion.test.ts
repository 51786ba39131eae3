import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../types.ts';
import { BEHAVIOR_ANNOTATION, CONDITIONS_ANNOTATION, hpaV1ToV2, hpaV2ToV1, METRIC_SPECS_ANNOTATION, METRIC_STATUSES_ANNOTATION } from './hpa-conversion.ts';
import { defaultHorizontalPodAutoscaler } from './hpa-defaults.ts';
import { formatHpaMetrics, horizontalpodautoscalers, horizontalpodautoscalersV1 } from './horizontalpodautoscalers.ts';

const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };
const cpu = (averageUtilization: number) => ({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization } } });
const memory = { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } };
const qps = { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } };

function v2(spec: Record<string, unknown>, status: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'default' }, spec: { scaleTargetRef: ref, ...spec }, status };
}

describe('autoscaling/v1 ↔ v2 conversion', () => {
  it("maps v1's targetCPUUtilizationPercentage to a cpu Utilization metric and back", () => {
    const v1: KubeObject = { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web' }, spec: { scaleTargetRef: ref, minReplicas: 1, maxReplicas: 3, targetCPUUtilizationPercentage: 50 } };
    const stored = hpaV1ToV2(v1);
    expect(stored.apiVersion).toBe('autoscaling/v2');
    expect(stored.spec).toEqual({ scaleTargetRef: ref, minReplicas: 1, maxReplicas: 3, metrics: [cpu(50)] });
    expect(hpaV2ToV1(stored).spec).toEqual(v1.spec);
  });

  it('gives a v1 object without any metric the 80 % CPU target, as upstream conversion does', () => {
    const stored = hpaV1ToV2({ kind: 'HorizontalPodAutoscaler', metadata: { name: 'web' }, spec: { scaleTargetRef: ref, maxReplicas: 3 } });
    expect((stored.spec as { metrics: unknown[] }).metrics).toEqual([cpu(80)]);
  });

  it('carries what v1 has no field for in the autoscaling.alpha annotations, in v1 shapes and Go names', () => {
    const behavior = { scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }] }, scaleDown: { selectPolicy: 'Min', policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] } };
    const status = {
      currentReplicas: 2,
      desiredReplicas: 3,
      currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 12, averageValue: '60m' } } }],
      conditions: [{ type: 'AbleToScale', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z', reason: 'ReadyForNewScale', message: 'recommended size matches current size' }],
    };
    const v1 = hpaV2ToV1(v2({ minReplicas: 1, maxReplicas: 5, metrics: [memory, qps, cpu(40)], behavior }, status));
    const annotations = v1.metadata?.annotations ?? {};
    expect(JSON.parse(annotations[METRIC_SPECS_ANNOTATION])).toEqual([
      { type: 'Resource', resource: { name: 'memory', targetAverageValue: '100Mi' } },
      { type: 'Pods', pods: { metricName: 'qps', targetAverageValue: '10' } },
    ]);
    expect(JSON.parse(annotations[METRIC_STATUSES_ANNOTATION])).toEqual([{ type: 'Resource', resource: { name: 'cpu', currentAverageUtilization: 12, currentAverageValue: '60m' } }]);
    expect(JSON.parse(annotations[CONDITIONS_ANNOTATION])).toEqual(status.conditions);
    expect(JSON.parse(annotations[BEHAVIOR_ANNOTATION])).toEqual({
      ScaleUp: { StabilizationWindowSeconds: 0, SelectPolicy: 'Max', Policies: [{ Type: 'Pods', Value: 4, PeriodSeconds: 15 }] },
      ScaleDown: { StabilizationWindowSeconds: null, SelectPolicy: 'Min', Policies: [{ Type: 'Percent', Value: 50, PeriodSeconds: 60 }] },
    });
    expect(v1.spec).toEqual({ scaleTargetRef: ref, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 40 });
    expect(v1.status).toEqual({ currentReplicas: 2, desiredReplicas: 3, currentCPUUtilizationPercentage: 12 });
    // …and back, losslessly (the cpu metric comes back last, as upstream puts it).
    const back = hpaV1ToV2(v1);
    expect(back.spec).toEqual({ scaleTargetRef: ref, minReplicas: 1, maxReplicas: 5, metrics: [memory, qps, cpu(40)], behavior });
    expect(back.status).toEqual(status);
    expect(back.metadata?.annotations).toBeUndefined();
  });

  it('reads a behavior annotation case-insensitively, as Go does, and ignores a malformed one', () => {
    const annotated = (value: string): KubeObject => ({ kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', annotations: { [BEHAVIOR_ANNOTATION]: value } }, spec: { scaleTargetRef: ref, maxReplicas: 2 } });
    const spec = hpaV1ToV2(annotated('{"scaleDown":{"stabilizationWindowSeconds":30}}')).spec as Record<string, unknown>;
    expect(spec.behavior).toEqual({ scaleDown: { stabilizationWindowSeconds: 30 } });
    expect((hpaV1ToV2(annotated('not json')).spec as Record<string, unknown>).behavior).toBeUndefined();
  });
});

describe('HorizontalPodAutoscaler defaults and validation', () => {
  it('defaults minReplicas, the CPU target and, when behavior is given, every scaling rule', () => {
    const hpa = v2({ maxReplicas: 3, behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } });
    defaultHorizontalPodAutoscaler(hpa);
    expect(hpa.spec).toMatchObject({ minReplicas: 1, metrics: [cpu(80)] });
    expect((hpa.spec as Record<string, unknown>).behavior).toEqual({
      scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] },
      scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
    });
    expect(hpa.status).toEqual({ desiredReplicas: 0, currentMetrics: null });
  });

  it("reports kube-apiserver's messages", () => {
    const messages = (hpa: KubeObject) => horizontalpodautoscalers.validate(hpa).map((c) => `${c.field}: ${c.message}`);
    expect(messages(v2({ minReplicas: 3, maxReplicas: 2, metrics: [cpu(50)] }))).toEqual(['spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`']);
    expect(messages(v2({ minReplicas: 0, maxReplicas: 0, scaleTargetRef: {}, metrics: [cpu(50)] }))).toEqual([
      'spec.minReplicas: Invalid value: 0: must be greater than or equal to 1',
      'spec.maxReplicas: Invalid value: 0: must be greater than 0',
      'spec.scaleTargetRef.kind: Required value',
      'spec.scaleTargetRef.name: Required value',
    ]);
    expect(messages(v2({ maxReplicas: 2, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization' } } }] }))).toEqual([
      'spec.metrics[0].resource.target.averageUtilization: Required value: must set either a target raw value or a target utilization',
    ]);
    expect(messages(v2({ maxReplicas: 2, metrics: [cpu(50)], behavior: { scaleUp: { policies: [{ type: 'Pods', value: 0, periodSeconds: 1801 }] } } }))).toEqual([
      'spec.behavior.scaleUp.policies[0].value: Invalid value: 0: must be greater than zero',
      'spec.behavior.scaleUp.policies[0].periodSeconds: Invalid value: 1801: must be less than or equal to 1800',
    ]);
  });

  it('checks a v1 object in its v2 form, so the fields named are the same', () => {
    const v1: KubeObject = { kind: 'HorizontalPodAutoscaler', metadata: { name: 'web' }, spec: { scaleTargetRef: ref, maxReplicas: 2, targetCPUUtilizationPercentage: 0 } };
    expect(horizontalpodautoscalersV1.validate(v1).map((c) => `${c.field}: ${c.message}`)).toEqual(['spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0']);
  });
});

describe('the TARGETS column', () => {
  it('names the resource, shows <unknown> before the first measurement and at most two metrics', () => {
    expect(formatHpaMetrics(v2({ metrics: [cpu(50)] }))).toBe('cpu: <unknown>/50%');
    expect(formatHpaMetrics(v2({ metrics: [cpu(50)] }, { currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 12, averageValue: '12m' } } }] }))).toBe('cpu: 12%/50%');
    expect(formatHpaMetrics(v2({ metrics: [memory, qps, cpu(50)] }))).toBe('memory: <unknown>/100Mi, <unknown>/10 + 1 more...');
    expect(formatHpaMetrics(v2({ metrics: [] }))).toBe('<none>');
  });
});
