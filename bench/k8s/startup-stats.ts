// The density figures from a pod timeline, as Kubernetes' SLOs define them:
// - pod startup latency: creationTimestamp → the pod observed Running through a watch (stateless pods, no image
//   pulls: hollow nodes pull nothing). creationTimestamp has whole-second resolution, so this overstates each pod by
//   0–1 s, as upstream's measurement does; `watchStartup` (first seen through the watch → Running) is the finer one.
// - scheduling throughput: pods bound per second, from the watch's first sight of spec.nodeName, over the window from
//   the first to the last binding, plus the per-second samples clusterloader2 summarises.
import { cdfPoints, summarize, type CdfPoint, type LatencySummary } from '../lib/index.ts';
import type { PodTimes } from './pod-timeline.ts';

export interface StartupFigures {
  pods: number;
  running: number;
  startup: LatencySummary;
  watchStartup: LatencySummary;
  startupCdf: CdfPoint[];
  scheduling: SchedulingFigures;
}

export interface SchedulingFigures {
  bound: number;
  /** Bound pods ÷ seconds from the first binding to the last. */
  averagePodsPerSecond: number;
  /** Per-second samples over that window (clusterloader2's scheduling throughput). */
  p50PodsPerSecond: number;
  maxPodsPerSecond: number;
  /** Cumulative bound pods by second since `originMs` (for the chart). */
  boundOverTime: { seconds: number; bound: number }[];
}

export function startupFigures(pods: readonly PodTimes[], originMs: number): StartupFigures {
  const running = pods.filter((p) => p.runningSeenMs !== null);
  const sorted = (values: number[]): Float64Array => Float64Array.from(values).sort();
  const startup = sorted(running.map((p) => (p.runningSeenMs as number) - p.createdMs));
  const watchStartup = sorted(running.map((p) => (p.runningSeenMs as number) - p.firstSeenMs));
  return {
    pods: pods.length,
    running: running.length,
    startup: summarize(startup),
    watchStartup: summarize(watchStartup),
    startupCdf: cdfPoints(startup),
    scheduling: schedulingFigures(pods.flatMap((p) => (p.boundSeenMs === null ? [] : [p.boundSeenMs])), originMs),
  };
}

export function schedulingFigures(boundMs: readonly number[], originMs: number): SchedulingFigures {
  const times = [...boundMs].sort((a, b) => a - b);
  if (times.length === 0) return { bound: 0, averagePodsPerSecond: Number.NaN, p50PodsPerSecond: Number.NaN, maxPodsPerSecond: Number.NaN, boundOverTime: [] };
  const first = times[0];
  const last = times[times.length - 1];
  // One pod alone, or all in the same millisecond, has no window to divide by.
  const averagePodsPerSecond = last > first ? times.length / ((last - first) / 1000) : Number.NaN;
  const perSecond = new Array<number>(Math.floor((last - first) / 1000) + 1).fill(0);
  for (const t of times) perSecond[Math.floor((t - first) / 1000)]++;
  const samples = Float64Array.from(perSecond).sort();
  const boundOverTime: { seconds: number; bound: number }[] = [{ seconds: Math.max(0, (first - originMs) / 1000), bound: 0 }];
  const endSecond = Math.ceil((last - originMs) / 1000);
  let i = 0;
  for (let s = Math.max(0, Math.floor((first - originMs) / 1000) + 1); s <= endSecond; s++) {
    while (i < times.length && times[i] <= originMs + s * 1000) i++;
    boundOverTime.push({ seconds: s, bound: i });
  }
  return {
    bound: times.length,
    averagePodsPerSecond,
    p50PodsPerSecond: summarize(samples).p50Ms,
    maxPodsPerSecond: samples[samples.length - 1],
    boundOverTime,
  };
}
