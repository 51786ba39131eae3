// The CronJob controller: at each due schedule time (cron-job-plan.ts) it creates the Job <cronjob>-<minutes> from
// the jobTemplate with a controllerRef, honours concurrencyPolicy and suspend, keeps status.active,
// lastScheduleTime and lastSuccessfulTime, and deletes finished Jobs beyond the history limits. Time comes from the
// injected clock; each CronJob is requeued for its next activation.
import { isAlreadyExists, isNotFound } from '../client/errors.ts';
import { objectKey } from '../client/indexer.ts';
import type { ResourceClient } from '../client/resource-client.ts';
import { RESOURCES } from '../client/resources.ts';
import type { SharedInformer } from '../client/shared-informer.ts';
import type { ControllerContext, ControllerDescriptor } from './common/controller-context.ts';
import { controllerRefOf, newControllerRef } from './common/controller-ref.ts';
import { QueueController, splitKey, type ReconcileResult } from './common/queue-controller.ts';
import { jobNameFor, planCronJob, type CronJobSpec, type Obj } from './cron-job-plan.ts';
import { CronParseError, parseCron } from './cron-schedule.ts';
import { isJobFinished, rfc3339 } from './job-status.ts';
import { writeStatusIfChanged } from './common/write-status.ts';

export class CronJobController extends QueueController {
  private readonly cronJobs: SharedInformer<Obj>;
  private readonly jobs: SharedInformer<Obj>;
  private readonly cronClient: ResourceClient<Obj>;
  private readonly jobClient: ResourceClient<Obj>;

  constructor(ctx: ControllerContext) {
    super('cronjob', ctx);
    this.cronJobs = ctx.informers.informer(RESOURCES.cronjobs);
    this.jobs = ctx.informers.informer(RESOURCES.jobs);
    this.cronClient = ctx.api.resource(RESOURCES.cronjobs);
    this.jobClient = ctx.api.resource(RESOURCES.jobs);
    const self = (o: Obj): void => this.enqueue(objectKey(o));
    this.cronJobs.addEventHandler({ onAdd: self, onUpdate: (_, o) => self(o), onDelete: self });
    const byJob = (j: Obj): void => {
      const ref = controllerRefOf(j);
      if (ref?.kind === 'CronJob') this.enqueue(`${j.metadata?.namespace ?? ''}/${ref.name}`);
    };
    this.jobs.addEventHandler({ onAdd: byJob, onUpdate: (_, j) => byJob(j), onDelete: byJob });
  }

  protected async reconcile(key: string): Promise<ReconcileResult | void> {
    const cached = this.cronJobs.indexer.get(key);
    if (cached === undefined) return;
    const cj = structuredClone(cached);
    const spec = (cj.spec ?? {}) as CronJobSpec;
    const { namespace } = splitKey(key);
    const owned = this.jobs.indexer.byIndex('namespace', namespace).filter((j) => controllerRefOf(j)?.uid === cj.metadata?.uid);
    let schedule;
    try {
      schedule = parseCron(spec.schedule ?? '');
    } catch (err) {
      if (!(err instanceof CronParseError)) throw err;
      this.ctx.events.event(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: ${JSON.stringify(spec.schedule ?? '')} : ${err.message}`);
      return;
    }
    const now = this.ctx.clock.now();
    const plan = planCronJob(cj, schedule, owned, now);
    const status: Record<string, unknown> = { ...cj.status };
    let active = owned.filter((j) => !isJobFinished(j) && j.metadata?.deletionTimestamp === undefined);

    for (const job of plan.replace) {
      await this.deleteJob(job);
      this.ctx.events.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata?.name ?? ''}`);
      active = active.filter((j) => j !== job);
    }
    if (plan.skipped === 'MissedDeadline') this.ctx.events.event(cj, 'Warning', 'MissSchedule', 'Missed scheduled time to start a job');
    if (plan.run !== undefined) {
      const created = await this.createJob(cj, spec, plan.run);
      if (created !== undefined && !active.some((j) => j.metadata?.uid === created.metadata?.uid)) active.push(created);
      status.lastScheduleTime = rfc3339(plan.run);
    }
    for (const job of plan.prune) await this.deleteJob(job);

    const completions = owned.map((j) => String(j.status?.completionTime ?? '')).filter((t) => t !== '').sort();
    if (completions.length > 0) status.lastSuccessfulTime = completions[completions.length - 1];
    status.active = active.map((j) => ({ apiVersion: 'batch/v1', kind: 'Job', name: j.metadata?.name, namespace, uid: j.metadata?.uid, resourceVersion: j.metadata?.resourceVersion }));
    if ((status.active as unknown[]).length === 0) delete status.active;
    await writeStatusIfChanged(this.cronClient, cj, status);
    const recheck = Math.min(plan.requeueAfterMs ?? Infinity, this.ctx.options.cronJobSyncPeriodMs);
    return Number.isFinite(recheck) ? { requeueAfterMs: recheck } : undefined;
  }

  private async createJob(cj: Obj, spec: CronJobSpec, scheduledMs: number): Promise<Obj | undefined> {
    const meta = cj.metadata ?? {};
    const template = spec.jobTemplate ?? {};
    const job: Obj = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: jobNameFor(meta.name ?? '', scheduledMs),
        namespace: meta.namespace,
        labels: { ...template.metadata?.labels },
        annotations: { ...template.metadata?.annotations, 'batch.kubernetes.io/cronjob-scheduled-timestamp': rfc3339(scheduledMs) },
        ownerReferences: [newControllerRef(cj, 'batch/v1', 'CronJob')],
      },
      spec: structuredClone(template.spec ?? {}),
    };
    try {
      const created = await this.jobClient.create(meta.namespace ?? '', job);
      this.ctx.events.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata?.name ?? ''}`);
      return created;
    } catch (err) {
      // Created by an earlier pass whose status write was lost: the schedule time is taken either way.
      if (isAlreadyExists(err)) return undefined;
      throw err;
    }
  }

  private async deleteJob(job: Obj): Promise<void> {
    try {
      await this.jobClient.delete(job.metadata?.namespace ?? '', job.metadata?.name ?? '', { propagationPolicy: 'Background' });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

export const cronJobController: ControllerDescriptor = { name: 'cronjob', create: (ctx) => new CronJobController(ctx) };
