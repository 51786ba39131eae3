import { describe, expect, it } from 'vitest';
import { PodTimeline } from './pod-timeline.ts';
import { schedulingFigures, startupFigures } from './startup-stats.ts';

const T0 = Date.parse('2026-11-23T10:00:00Z');
const pod = (uid: string, nodeName?: string, phase?: string) => ({
  metadata: { uid, name: `p-${uid}`, namespace: 'density', creationTimestamp: '2026-11-23T10:00:00Z' },
  spec: nodeName === undefined ? {} : { nodeName },
  status: phase === undefined ? {} : { phase },
});

describe('PodTimeline', () => {
  it('keeps the first observation of creation, binding and Running', () => {
    const t = new PodTimeline();
    t.observe(pod('a'), T0 + 300);
    t.observe(pod('a', 'n1'), T0 + 500);
    t.observe(pod('a', 'n1', 'Running'), T0 + 900);
    t.observe(pod('a', 'n1', 'Running'), T0 + 5_000);
    expect(t.byName('p-a')).toEqual({ name: 'p-a', createdMs: T0, firstSeenMs: T0 + 300, boundSeenMs: T0 + 500, node: 'n1', runningSeenMs: T0 + 900 });
  });

  it('counts a pod first seen Running as bound then, and ignores pods without a uid', () => {
    const t = new PodTimeline();
    t.observe(pod('b', 'n2', 'Running'), T0 + 700);
    t.observe({ metadata: { name: 'x' } }, T0);
    expect(t.size).toBe(1);
    expect(t.byName('p-b')?.boundSeenMs).toBe(T0 + 700);
  });
});

describe('startupFigures', () => {
  it('measures creationTimestamp → Running and first sight → Running, leaving out pods not yet Running', () => {
    const t = new PodTimeline();
    for (let i = 1; i <= 100; i++) {
      t.observe(pod(String(i)), T0 + 100);
      t.observe(pod(String(i), 'n', 'Running'), T0 + 100 + i * 10);
    }
    t.observe(pod('pending'), T0 + 100);
    const f = startupFigures(t.all(), T0);
    expect(f.pods).toBe(101);
    expect(f.running).toBe(100);
    expect(f.startup.p50Ms).toBe(600);
    expect(f.startup.p99Ms).toBe(1_090);
    expect(f.watchStartup.p99Ms).toBe(990);
    expect(f.startupCdf.at(-1)).toEqual({ latencyMs: 1_100, fraction: 1 });
  });
});

describe('schedulingFigures', () => {
  it('divides bindings by the window from the first to the last and samples each second', () => {
    // 10 pods in the first second, 30 in the second, 1 at the very end of the third.
    const bound = [...Array.from({ length: 10 }, (_, i) => T0 + 1_000 + i * 10), ...Array.from({ length: 30 }, (_, i) => T0 + 2_000 + i * 10), T0 + 3_000];
    const f = schedulingFigures(bound, T0);
    expect(f.bound).toBe(41);
    expect(f.averagePodsPerSecond).toBeCloseTo(41 / 2, 6);
    expect(f.maxPodsPerSecond).toBe(30);
    expect(f.boundOverTime).toEqual([
      { seconds: 1, bound: 0 },
      { seconds: 2, bound: 11 },
      { seconds: 3, bound: 41 },
    ]);
  });

  it('has no rate without bindings or without a window', () => {
    expect(schedulingFigures([], T0).averagePodsPerSecond).toBeNaN();
    expect(schedulingFigures([T0 + 5, T0 + 5], T0).averagePodsPerSecond).toBeNaN();
  });
});
