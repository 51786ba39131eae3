import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../apiserver/index.ts';
import { podMetricsFor } from './hpa-metrics.ts';
import { MetricError, podRequests, rawResourceReplicas, resourceReplicas, type CalculatorOptions, type PodMetrics } from './hpa-replica-calculator.ts';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();
const options: CalculatorOptions = { tolerance: 0.1, cpuInitializationPeriodMs: 300_000, delayOfInitialReadinessStatusMs: 30_000, nowMs: NOW };

interface PodShape {
  request?: string;
  ready?: boolean;
  phase?: string;
  /** When the pod started and (for Ready) last changed, as ms before NOW. */
  startedAgoMs?: number;
  readySinceAgoMs?: number;
}

function pod(name: string, shape: PodShape = {}): KubeObject {
  const resources = shape.request === undefined ? {} : { requests: { cpu: shape.request } };
  return {
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'c', resources }] },
    status: {
      phase: shape.phase ?? 'Running',
      startTime: iso(NOW - (shape.startedAgoMs ?? 600_000)),
      conditions: [{ type: 'Ready', status: shape.ready === false ? 'False' : 'True', lastTransitionTime: iso(NOW - (shape.readySinceAgoMs ?? 590_000)) }],
    },
  };
}

function metrics(values: Record<string, number>): PodMetrics {
  return new Map(Object.entries(values).map(([name, valueMilli]) => [name, { valueMilli, timestampMs: NOW, windowMs: 10_000 }]));
}

describe('resourceReplicas (utilization of the requests)', () => {
  it('scales up to ceil(pods × usage / target)', () => {
    const pods = ['a', 'b', 'c'].map((n) => pod(n, { request: '1' }));
    expect(resourceReplicas(3, 30, 'cpu', pods, metrics({ a: 300, b: 500, c: 700 }), options)).toEqual({ replicas: 5, utilization: 50, ratio: 50 / 30, rawAverageMilli: 500 });
  });

  it('scales down', () => {
    const pods = ['a', 'b', 'c', 'd', 'e'].map((n) => pod(n, { request: '1' }));
    expect(resourceReplicas(5, 50, 'cpu', pods, metrics({ a: 100, b: 300, c: 500, d: 250, e: 250 }), options)).toMatchObject({ replicas: 3, utilization: 28 });
  });

  it('keeps the count within the tolerance', () => {
    const pods = [pod('a', { request: '900m' }), pod('b', { request: '1' }), pod('c', { request: '1100m' })];
    expect(resourceReplicas(3, 100, 'cpu', pods, metrics({ a: 1010, b: 1030, c: 1020 }), options)).toMatchObject({ replicas: 3, utilization: 102 });
  });

  it('counts a pod that is not ready yet as 0 % on a scale up, and not at all in the usage reported', () => {
    const pods = [pod('a', { request: '1', ready: false, startedAgoMs: 20_000, readySinceAgoMs: 20_000 }), pod('b', { request: '1' }), pod('c', { request: '1' })];
    expect(resourceReplicas(3, 30, 'cpu', pods, metrics({ a: 300, b: 500, c: 700 }), options)).toMatchObject({ replicas: 4, utilization: 60 });
  });

  it('ignores a sample taken less than one metrics window after the pod turned ready (within the initialization period)', () => {
    const pods = [pod('a', { request: '1', startedAgoMs: 30_000, readySinceAgoMs: 5_000 }), pod('b', { request: '1' })];
    // a's 900m does not count: b alone is at 10 %, so a's start-up burst makes no scale up.
    expect(resourceReplicas(2, 50, 'cpu', pods, metrics({ a: 900, b: 100 }), options)).toMatchObject({ replicas: 1, utilization: 10 });
  });

  it('treats a pod without metrics as using nothing on a scale up, so a reversal keeps the count', () => {
    const pods = [pod('a', { request: '1' }), pod('b', { request: '1' })];
    expect(resourceReplicas(2, 100, 'cpu', pods, metrics({ a: 1900 }), options)).toMatchObject({ replicas: 2, utilization: 190 });
  });

  it('treats a pod without metrics as using its whole request on a scale down', () => {
    const pods = ['a', 'b', 'c', 'd'].map((n) => pod(n, { request: '1' }));
    // 10 % over three pods; the fourth counts as 100 % → 32 % (whole percent) of a 50 % target → ceil(0.64 × 4) = 3.
    expect(resourceReplicas(4, 50, 'cpu', pods, metrics({ a: 100, b: 100, c: 100 }), options)).toMatchObject({ replicas: 3, utilization: 10 });
  });

  it('leaves out pods being deleted or failed, and counts pending ones as not ready', () => {
    const deleting = { ...pod('a', { request: '1' }), metadata: { name: 'a', deletionTimestamp: iso(NOW) } };
    const pods = [deleting, pod('b', { request: '1', phase: 'Failed' }), pod('c', { request: '1', phase: 'Pending' }), pod('d', { request: '1' })];
    expect(resourceReplicas(3, 50, 'cpu', pods, metrics({ a: 1000, b: 1000, d: 250 }), options)).toMatchObject({ replicas: 1, utilization: 25 });
  });

  it("fails with upstream's messages", () => {
    expect(() => resourceReplicas(1, 50, 'cpu', [], metrics({}), options)).toThrow(new MetricError('no pods returned by selector while calculating replica count'));
    expect(() => resourceReplicas(1, 50, 'cpu', [pod('a', { request: '1', phase: 'Pending' })], metrics({ a: 1 }), options)).toThrow('did not receive metrics for targeted pods (pods might be unready)');
    expect(() => resourceReplicas(1, 50, 'cpu', [pod('web-1')], metrics({ 'web-1': 100 }), options)).toThrow('missing request for cpu in container c of Pod web-1');
    expect(() => resourceReplicas(1, 50, 'cpu', [pod('a', { request: '1' })], metrics({ other: 100 }), options)).toThrow('no metrics returned matched known pods');
  });

  it('sums requests in millicores, rounding up as MilliValue does, including restartable init containers', () => {
    const sidecar: KubeObject = {
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'a', resources: { requests: { cpu: '0.1' } } }], initContainers: [{ name: 's', restartPolicy: 'Always', resources: { requests: { cpu: '1500u' } } }, { name: 'init', resources: {} }] },
    };
    expect(podRequests([sidecar], 'cpu')).toEqual(new Map([['p', 102]]));
  });
});

describe('rawResourceReplicas (average value per pod)', () => {
  it('scales on the mean usage against the target', () => {
    const pods = ['a', 'b'].map((n) => pod(n));
    expect(rawResourceReplicas(2, 100_000, 'memory', pods, metrics({ a: 200_000, b: 100_000 }), options)).toEqual({ replicas: 3, usageMilli: 150_000 });
    expect(rawResourceReplicas(2, 100_000, 'memory', pods, metrics({ a: 105_000, b: 100_000 }), options)).toEqual({ replicas: 2, usageMilli: 102_500 });
  });
});

describe('podMetricsFor', () => {
  it('sums the containers of each PodMetrics and leaves out pods missing the resource', () => {
    const items: KubeObject[] = [
      { metadata: { name: 'a' }, timestamp: '2026-01-01T12:00:00Z', window: '10s', containers: [{ name: 'x', usage: { cpu: '250000000n' } }, { name: 'y', usage: { cpu: '1m' } }] },
      { metadata: { name: 'b' }, timestamp: '2026-01-01T12:00:00Z', window: '10s', containers: [{ name: 'x', usage: { memory: '1Ki' } }] },
    ];
    expect(podMetricsFor(items, 'cpu')).toEqual(new Map([['a', { valueMilli: 251, timestampMs: NOW, windowMs: 10_000 }]]));
    expect(podMetricsFor(items, 'cpu', 'y').get('a')?.valueMilli).toBe(1);
  });
});
