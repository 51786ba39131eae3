// What a CronJob should do at `now`, from its spec, status and the Jobs it owns (pure, so it is tested on a manual
// clock): which schedule time is due (the most recent one since the last, within startingDeadlineSeconds), whether
// concurrencyPolicy lets it run (Allow; Forbid skips while a Job runs; Replace deletes the running ones), which
// finished Jobs fall outside the history limits, and when to look again.
import type { KubeObject } from '../../apiserver/index.ts';
import { nextActivation, type CronSchedule } from './cron-schedule.ts';
import { isJobFinished } from './job-status.ts';

export type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

export interface CronJobSpec {
  schedule?: string;
  startingDeadlineSeconds?: number;
  concurrencyPolicy?: 'Allow' | 'Forbid' | 'Replace';
  suspend?: boolean;
  successfulJobsHistoryLimit?: number;
  failedJobsHistoryLimit?: number;
  jobTemplate?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: Record<string, unknown> };
}

export interface CronPlan {
  /** The schedule time to start a Job for now (ms), if any. */
  run?: number;
  /** Running Jobs to delete first (Replace). */
  replace: Obj[];
  /** Finished Jobs beyond the history limits. */
  prune: Obj[];
  /** Due but not started, and why (for an event). */
  skipped?: 'Forbid' | 'MissedDeadline';
  /** When to look again (ms from now). */
  requeueAfterMs?: number;
  /** Activations missed since the last schedule (Kubernetes warns past 100). */
  missed: number;
}

const MISSED_MAX = 100;

function succeeded(job: Obj): boolean {
  return ((job.status?.conditions ?? []) as { type: string; status: string }[]).some((c) => c.type === 'Complete' && c.status === 'True');
}

function byStart(a: Obj, b: Obj): number {
  const t = (j: Obj): string => String(j.status?.startTime ?? j.metadata?.creationTimestamp ?? '');
  return t(a).localeCompare(t(b));
}

export function planCronJob(cj: Obj, schedule: CronSchedule, jobs: readonly Obj[], nowMs: number): CronPlan {
  const spec = (cj.spec ?? {}) as CronJobSpec;
  const finished = jobs.filter(isJobFinished).sort(byStart);
  const overLimit = (list: Obj[], limit: number): Obj[] => list.slice(0, Math.max(0, list.length - limit));
  const prune = [...overLimit(finished.filter(succeeded), spec.successfulJobsHistoryLimit ?? 3), ...overLimit(finished.filter((j) => !succeeded(j)), spec.failedJobsHistoryLimit ?? 1)];
  const plan: CronPlan = { replace: [], prune, missed: 0 };
  if (spec.suspend === true || cj.metadata?.deletionTimestamp !== undefined) return plan;

  const last = typeof cj.status?.lastScheduleTime === 'string' ? Date.parse(cj.status.lastScheduleTime) : Date.parse(cj.metadata?.creationTimestamp ?? '') || nowMs;
  let earliest = last;
  if (spec.startingDeadlineSeconds !== undefined) earliest = Math.max(earliest, nowMs - spec.startingDeadlineSeconds * 1000);
  let due: number | undefined;
  for (let t = nextActivation(schedule, earliest); t !== undefined && t <= nowMs; t = nextActivation(schedule, t)) {
    due = t;
    if (++plan.missed > MISSED_MAX) break;
  }
  const next = nextActivation(schedule, nowMs);
  if (next !== undefined) plan.requeueAfterMs = next - nowMs + 100;
  if (due === undefined) return plan;
  if (spec.startingDeadlineSeconds !== undefined && due < nowMs - spec.startingDeadlineSeconds * 1000) {
    plan.skipped = 'MissedDeadline';
    return plan;
  }
  // A Job for this time already exists (its status write may still be in flight): it has run.
  if (jobs.some((j) => j.metadata?.name === jobNameFor(cj.metadata?.name ?? '', due))) return plan;
  const running = jobs.filter((j) => !isJobFinished(j) && j.metadata?.deletionTimestamp === undefined);
  const policy = spec.concurrencyPolicy ?? 'Allow';
  if (policy === 'Forbid' && running.length > 0) {
    plan.skipped = 'Forbid';
    return plan;
  }
  if (policy === 'Replace') plan.replace = running;
  plan.run = due;
  return plan;
}

/** Kubernetes' Job name for a schedule time: <cronjob>-<minutes since the epoch>. */
export function jobNameFor(cronJobName: string, scheduledMs: number): string {
  return `${cronJobName}-${Math.floor(scheduledMs / 60_000)}`;
}
