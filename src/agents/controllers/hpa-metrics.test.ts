import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../apiserver/index.ts';
import { computeReplicasForMetrics, type MetricsInput } from './hpa-metrics.ts';
import { scaleTargetResource, setCondition } from './horizontal-pod-autoscaler.ts';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const options = { tolerance: 0.1, cpuInitializationPeriodMs: 300_000, delayOfInitialReadinessStatusMs: 30_000, nowMs: NOW };
const cpu = (averageUtilization: number) => ({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization } } });

function pod(name: string, request?: string): KubeObject {
  return {
    metadata: { name },
    spec: { containers: [{ name: 'busy', resources: request === undefined ? {} : { requests: { cpu: request } } }] },
    status: { phase: 'Running', startTime: '2026-01-01T11:00:00Z', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T11:00:01Z' }] },
  };
}

const usage = (name: string, cpuUsage: string): KubeObject => ({ metadata: { name }, timestamp: '2026-01-01T12:00:00Z', window: '10s', containers: [{ name: 'busy', usage: { cpu: cpuUsage, memory: '1Mi' } }] });

function input(metrics: unknown[], pods: KubeObject[], items: KubeObject[], specReplicas = pods.length): MetricsInput {
  return { spec: { metrics }, specReplicas, pods, podMetrics: async () => items, options };
}

describe('computeReplicasForMetrics', () => {
  it('proposes from the CPU utilization and reports the metric status', async () => {
    const outcome = await computeReplicasForMetrics(input([cpu(50)], [pod('a', '100m')], [usage('a', '250m')]), 'default');
    expect(outcome).toEqual({
      replicas: 5,
      metricName: 'cpu resource utilization (percentage of request)',
      statuses: [{ type: 'Resource', resource: { name: 'cpu', current: { averageValue: '250m', averageUtilization: 250 } } }],
      condition: { type: 'ScalingActive', status: 'True', reason: 'ValidMetricFound', message: 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)' },
      events: [],
      error: undefined,
    });
  });

  it('reports a missing CPU request as FailedGetResourceMetric, with the container and the pod', async () => {
    const outcome = await computeReplicasForMetrics(input([cpu(50)], [pod('web-1')], [usage('web-1', '10m')]), 'default');
    expect(outcome.replicas).toBeUndefined();
    expect(outcome.condition).toEqual({
      type: 'ScalingActive',
      status: 'False',
      reason: 'FailedGetResourceMetric',
      message: 'the HPA was unable to compute the replica count: failed to get cpu utilization: missing request for cpu in container busy of Pod web-1',
    });
    expect(outcome.events).toEqual([{ type: 'Warning', reason: 'FailedGetResourceMetric', message: 'failed to get cpu utilization: missing request for cpu in container busy of Pod web-1' }]);
    expect(outcome.error).toBe('invalid metrics (1 invalid out of 1), first error is: failed to get cpu utilization: missing request for cpu in container busy of Pod web-1');
  });

  it('says when the metrics API has nothing for the pods', async () => {
    const outcome = await computeReplicasForMetrics(input([cpu(50)], [pod('a', '100m')], []), 'default');
    expect(outcome.condition.message).toBe('the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API');
  });

  it('scales up on the valid metrics when another cannot be read, but never down', async () => {
    const qps = { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } };
    const up = await computeReplicasForMetrics(input([qps, cpu(50)], [pod('a', '100m')], [usage('a', '100m')]), 'default');
    expect(up.replicas).toBe(2);
    expect(up.statuses[0]).toEqual({ type: '' });
    expect(up.events.map((e) => e.reason)).toEqual(['FailedGetPodsMetric']);
    expect(up.error).toBe('invalid metrics (1 invalid out of 2), first error is: failed to get pods metric value: unable to get metric qps: unable to fetch metrics from custom metrics API: the server could not find the requested resource');
    const down = await computeReplicasForMetrics(input([qps, cpu(50)], [pod('a', '100m'), pod('b', '100m')], [usage('a', '1m'), usage('b', '1m')]), 'default');
    expect(down.replicas).toBeUndefined();
    expect(down.condition.reason).toBe('FailedGetPodsMetric');
  });
});

describe('the HPA controller helpers', () => {
  it('maps a scale target reference to its resource, with the RESTMapper wording otherwise', () => {
    expect(scaleTargetResource({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'x' })).toEqual({ group: 'apps', version: 'v1', resource: 'deployments' });
    expect(scaleTargetResource({ apiVersion: 'v1', kind: 'ReplicationController', name: 'x' })).toEqual({ group: '', version: 'v1', resource: 'replicationcontrollers' });
    expect(scaleTargetResource({ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'x' })).toBe('no matches for kind "DaemonSet" in group "apps"');
  });

  it('moves a condition\'s transition time only when its status changes', () => {
    const status: Record<string, unknown> = {};
    setCondition(status, { type: 'AbleToScale', status: 'True', reason: 'SucceededGetScale', message: 'a' }, NOW);
    setCondition(status, { type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale', message: 'b' }, NOW + 60_000);
    setCondition(status, { type: 'ScalingActive', status: 'False', reason: 'FailedGetResourceMetric', message: 'c' }, NOW + 60_000);
    expect(status.conditions).toEqual([
      { type: 'AbleToScale', status: 'True', lastTransitionTime: '2026-01-01T12:00:00Z', reason: 'ReadyForNewScale', message: 'b' },
      { type: 'ScalingActive', status: 'False', lastTransitionTime: '2026-01-01T12:01:00Z', reason: 'FailedGetResourceMetric', message: 'c' },
    ]);
  });
});
