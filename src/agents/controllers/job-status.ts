// A Job's counts and conditions from its pods: active, succeeded, failed; whether it is done (Complete when enough
// pods succeeded; Failed when failures passed backoffLimit or it ran longer than activeDeadlineSeconds); and how long
// to wait before replacing a failed pod (10 s doubling to 6 min in Kubernetes; the base is a flag here).
import type { KubeObject } from '../../apiserver/index.ts';
import { isPodActive, podPhase } from './common/pods.ts';

export type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

export interface JobSpec {
  parallelism?: number;
  completions?: number;
  backoffLimit?: number;
  activeDeadlineSeconds?: number;
  suspend?: boolean;
  template?: Record<string, unknown>;
  selector?: unknown;
}

export interface JobCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastProbeTime?: string;
  lastTransitionTime?: string;
}

export const BACKOFF_MAX_MS = 6 * 60_000;

export const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

export function isJobFinished(job: Obj): boolean {
  const conds = ((job.status?.conditions ?? []) as JobCondition[]);
  return conds.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

export interface PodCounts {
  active: KubeObject[];
  succeeded: number;
  failed: number;
  /** When the most recent failure happened (ms), for the back-off. */
  lastFailureMs: number | undefined;
}

export function countPods(pods: readonly KubeObject[]): PodCounts {
  let lastFailureMs: number | undefined;
  let failed = 0;
  for (const p of pods) {
    if (podPhase(p) !== 'Failed') continue;
    failed++;
    const finished = finishedAt(p);
    if (finished !== undefined && (lastFailureMs === undefined || finished > lastFailureMs)) lastFailureMs = finished;
  }
  return { active: pods.filter(isPodActive), succeeded: pods.filter((p) => podPhase(p) === 'Succeeded').length, failed, lastFailureMs };
}

function finishedAt(pod: KubeObject): number | undefined {
  const statuses = ((pod.status as { containerStatuses?: { state?: { terminated?: { finishedAt?: string } } }[] } | undefined)?.containerStatuses ?? []);
  const times = statuses.map((s) => Date.parse(s.state?.terminated?.finishedAt ?? '')).filter((t) => !Number.isNaN(t));
  return times.length === 0 ? undefined : Math.max(...times);
}

/** How many pods should be running now. */
export function wantedActive(spec: JobSpec, succeeded: number): number {
  const parallelism = spec.parallelism ?? 1;
  if (spec.completions === undefined) return succeeded > 0 ? 0 : parallelism;
  return Math.max(0, Math.min(parallelism, spec.completions - succeeded));
}

export function isCompleteNow(spec: JobSpec, counts: PodCounts): boolean {
  if (spec.completions === undefined) return counts.succeeded > 0 && counts.active.length === 0;
  return counts.succeeded >= spec.completions;
}

/** ms still to wait before creating a replacement after failures (0: go ahead). */
export function backoffRemainingMs(counts: PodCounts, baseMs: number, nowMs: number): number {
  if (counts.failed === 0 || counts.lastFailureMs === undefined) return 0;
  const delay = Math.min(baseMs * 2 ** (counts.failed - 1), BACKOFF_MAX_MS);
  return Math.max(0, counts.lastFailureMs + delay - nowMs);
}

export function finishedCondition(type: 'Complete' | 'Failed', reason: string, message: string, nowMs: number): JobCondition {
  const now = rfc3339(nowMs);
  return { type, status: 'True', ...(reason !== '' ? { reason, message } : {}), lastProbeTime: now, lastTransitionTime: now };
}
