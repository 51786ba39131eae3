// What controllers read from a pod's status: active or finished, ready, available for minReadySeconds.
import type { KubeObject } from '../../../apiserver/index.ts';

export interface PodCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
}

export function podPhase(pod: KubeObject): string {
  return ((pod.status as { phase?: string } | undefined)?.phase ?? '') || 'Pending';
}

/** Counted by replica controllers: not finished and not being deleted. */
export function isPodActive(pod: KubeObject): boolean {
  const phase = podPhase(pod);
  return phase !== 'Succeeded' && phase !== 'Failed' && pod.metadata?.deletionTimestamp === undefined;
}

export function readyCondition(pod: KubeObject): PodCondition | undefined {
  const conds = ((pod.status as { conditions?: PodCondition[] } | undefined)?.conditions ?? []) as PodCondition[];
  return conds.find((c) => c.type === 'Ready');
}

export function isPodReady(pod: KubeObject): boolean {
  return readyCondition(pod)?.status === 'True';
}

/** Ready for at least minReadySeconds by `nowMs` (the Ready condition's lastTransitionTime). */
export function isPodAvailable(pod: KubeObject, minReadySeconds: number, nowMs: number): boolean {
  const ready = readyCondition(pod);
  if (ready?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  const since = ready.lastTransitionTime === undefined ? NaN : Date.parse(ready.lastTransitionTime);
  return !Number.isNaN(since) && since + minReadySeconds * 1000 <= nowMs;
}

/** When a ready but not yet available pod becomes available (ms from now), for requeueing; undefined: none. */
export function nextAvailableInMs(pods: readonly KubeObject[], minReadySeconds: number, nowMs: number): number | undefined {
  let next: number | undefined;
  for (const pod of pods) {
    const ready = readyCondition(pod);
    if (ready?.status !== 'True' || minReadySeconds <= 0 || ready.lastTransitionTime === undefined) continue;
    const due = Date.parse(ready.lastTransitionTime) + minReadySeconds * 1000 - nowMs;
    if (due > 0 && (next === undefined || due < next)) next = due;
  }
  return next === undefined ? undefined : next + 50;
}

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/**
 * Kubernetes' order for choosing pods to delete on scale-down, most deletable first: unscheduled before scheduled,
 * pending before unknown before running, not ready before ready, then the more recently created.
 */
export function compareForDeletion(a: KubeObject, b: KubeObject): number {
  const nodeOf = (p: KubeObject): string => ((p.spec as { nodeName?: string } | undefined)?.nodeName ?? '');
  const assigned = (p: KubeObject): number => (nodeOf(p) === '' ? 0 : 1);
  if (assigned(a) !== assigned(b)) return assigned(a) - assigned(b);
  const phase = (p: KubeObject): number => PHASE_RANK[podPhase(p)] ?? 0;
  if (phase(a) !== phase(b)) return phase(a) - phase(b);
  const ready = (p: KubeObject): number => (isPodReady(p) ? 1 : 0);
  if (ready(a) !== ready(b)) return ready(a) - ready(b);
  const created = (p: KubeObject): string => p.metadata?.creationTimestamp ?? '';
  return created(b).localeCompare(created(a));
}
