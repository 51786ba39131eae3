// The CronJob planner on explicit times (the controller passes its injected clock's now).
import { describe, expect, it } from 'vitest';
import { jobNameFor, planCronJob, type Obj } from './cron-job-plan.ts';
import { parseCron } from './cron-schedule.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const MIN = 60_000;

function cronJob(spec: Record<string, unknown>, status: Record<string, unknown> = {}): Obj {
  return { metadata: { name: 'tick', namespace: 'default', uid: 'u1', creationTimestamp: '2026-01-01T00:00:00Z' }, spec: { schedule: '*/5 * * * *', ...spec }, status };
}

function job(name: string, state: 'running' | 'complete' | 'failed', start: string): Obj {
  const conditions = state === 'running' ? [] : [{ type: state === 'complete' ? 'Complete' : 'Failed', status: 'True' }];
  return { metadata: { name, namespace: 'default', creationTimestamp: start }, status: { startTime: start, conditions } };
}

describe('planCronJob', () => {
  it('runs the most recent due time and requeues for the next one', () => {
    const plan = planCronJob(cronJob({}), parseCron('*/5 * * * *'), [], T0 + 12 * MIN);
    expect(plan.run).toBe(T0 + 10 * MIN);
    expect(plan.missed).toBe(2);
    expect(plan.requeueAfterMs).toBe(3 * MIN + 100);
    expect(jobNameFor('tick', T0 + 10 * MIN)).toBe(`tick-${Math.floor((T0 + 10 * MIN) / MIN)}`);
  });

  it('nothing due before the first activation; nothing twice after lastScheduleTime', () => {
    expect(planCronJob(cronJob({}), parseCron('*/5 * * * *'), [], T0 + 4 * MIN).run).toBeUndefined();
    const after = cronJob({}, { lastScheduleTime: '2026-01-01T00:10:00Z' });
    expect(planCronJob(after, parseCron('*/5 * * * *'), [], T0 + 14 * MIN).run).toBeUndefined();
  });

  it('does not run again when the Job for the due time exists (status not written yet)', () => {
    const existing = job(jobNameFor('tick', T0 + 5 * MIN), 'running', '2026-01-01T00:05:00Z');
    const plan = planCronJob(cronJob({ concurrencyPolicy: 'Replace' }), parseCron('*/5 * * * *'), [existing], T0 + 6 * MIN);
    expect(plan.run).toBeUndefined();
    expect(plan.replace).toEqual([]);
  });

  it('concurrencyPolicy: Allow runs beside, Forbid skips, Replace replaces', () => {
    const running = [job('tick-old', 'running', '2026-01-01T00:00:00Z')];
    const at = T0 + 5 * MIN;
    expect(planCronJob(cronJob({ concurrencyPolicy: 'Allow' }), parseCron('*/5 * * * *'), running, at)).toMatchObject({ run: at, replace: [] });
    const forbid = planCronJob(cronJob({ concurrencyPolicy: 'Forbid' }), parseCron('*/5 * * * *'), running, at);
    expect([forbid.run, forbid.skipped]).toEqual([undefined, 'Forbid']);
    expect(planCronJob(cronJob({ concurrencyPolicy: 'Replace' }), parseCron('*/5 * * * *'), running, at)).toMatchObject({ run: at, replace: running });
  });

  it('suspend runs nothing; startingDeadlineSeconds drops a late start', () => {
    expect(planCronJob(cronJob({ suspend: true }), parseCron('*/5 * * * *'), [], T0 + 5 * MIN).run).toBeUndefined();
    const late = planCronJob(cronJob({ startingDeadlineSeconds: 30 }), parseCron('*/5 * * * *'), [], T0 + 5 * MIN + 45_000);
    expect(late.run).toBeUndefined();
    expect(planCronJob(cronJob({ startingDeadlineSeconds: 60 }), parseCron('*/5 * * * *'), [], T0 + 5 * MIN + 45_000).run).toBe(T0 + 5 * MIN);
  });

  it('prunes finished Jobs beyond the history limits, oldest first', () => {
    const jobs = [
      job('a', 'complete', '2026-01-01T00:00:00Z'),
      job('b', 'complete', '2026-01-01T00:05:00Z'),
      job('c', 'complete', '2026-01-01T00:10:00Z'),
      job('d', 'failed', '2026-01-01T00:15:00Z'),
      job('e', 'failed', '2026-01-01T00:20:00Z'),
    ];
    const plan = planCronJob(cronJob({ successfulJobsHistoryLimit: 2, failedJobsHistoryLimit: 1 }, { lastScheduleTime: '2026-01-01T00:20:00Z' }), parseCron('*/5 * * * *'), jobs, T0 + 21 * MIN);
    expect(plan.prune.map((j) => j.metadata?.name)).toEqual(['a', 'd']);
  });
});
