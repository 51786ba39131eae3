// The Job controller: runs pods from the template until `completions` succeeded (parallelism at a time), replacing
// failed ones after a back-off; Failed with BackoffLimitExceeded when failures pass backoffLimit, or with
// DeadlineExceeded after activeDeadlineSeconds (its active pods deleted); Complete with completionTime otherwise.
import { selectorMatches } from '../../apiserver/resources/index.ts';
import { isNotFound } from '../client/errors.ts';
import { objectKey } from '../client/indexer.ts';
import type { ResourceClient } from '../client/resource-client.ts';
import { RESOURCES } from '../client/resources.ts';
import type { SharedInformer } from '../client/shared-informer.ts';
import type { ControllerContext, ControllerDescriptor } from './common/controller-context.ts';
import { claimObjects, controllerRefOf, isDeleting, newControllerRef } from './common/controller-ref.ts';
import { Expectations } from './common/expectations.ts';
import { parseDuration } from '../controller-manager/flags.ts';
import { compareForDeletion } from './common/pods.ts';
import { podFromTemplate, podNamePrefix, type PodTemplate } from './common/pod-template.ts';
import { QueueController, splitKey, type ReconcileResult } from './common/queue-controller.ts';
import { slowStartBatch } from './common/slow-start.ts';
import { backoffRemainingMs, countPods, finishedCondition, isCompleteNow, isJobFinished, rfc3339, wantedActive, type JobCondition, type JobSpec, type Obj } from './job-status.ts';
import { writeStatusIfChanged } from './common/write-status.ts';

const BACKOFF_FLAG = 'job-pod-failure-backoff';

export class JobController extends QueueController {
  private readonly jobs: SharedInformer<Obj>;
  private readonly pods: SharedInformer<Obj>;
  private readonly jobClient: ResourceClient<Obj>;
  private readonly podClient: ResourceClient<Obj>;
  private readonly expectations: Expectations;
  private readonly backoffBaseMs: number;

  constructor(ctx: ControllerContext) {
    super('job', ctx);
    this.backoffBaseMs = parseDuration(ctx.options.extra[BACKOFF_FLAG] ?? '10s');
    this.expectations = new Expectations(ctx.clock);
    this.jobs = ctx.informers.informer(RESOURCES.jobs);
    this.pods = ctx.informers.informer(RESOURCES.pods);
    this.jobClient = ctx.api.resource(RESOURCES.jobs);
    this.podClient = ctx.api.resource(RESOURCES.pods);
    const self = (j: Obj): void => this.enqueue(objectKey(j));
    this.jobs.addEventHandler({
      onAdd: self,
      onUpdate: (_, j) => self(j),
      onDelete: (j) => {
        this.expectations.forget(objectKey(j));
        self(j);
      },
    });
    this.pods.addEventHandler({
      onAdd: (p) => this.podEvent(p, (k) => this.expectations.creationObserved(k)),
      onUpdate: (old, p) =>
        this.podEvent(p, (k) => {
          if (isDeleting(p) && !isDeleting(old)) this.expectations.deletionObserved(k, p.metadata?.uid ?? '');
        }),
      onDelete: (p) => this.podEvent(p, (k) => this.expectations.deletionObserved(k, p.metadata?.uid ?? '')),
    });
  }

  private podEvent(pod: Obj, observe: (key: string) => void): void {
    const ref = controllerRefOf(pod);
    if (ref?.kind !== 'Job') return;
    const key = `${pod.metadata?.namespace ?? ''}/${ref.name}`;
    observe(key);
    this.enqueue(key);
  }

  protected async reconcile(key: string): Promise<ReconcileResult | void> {
    const cached = this.jobs.indexer.get(key);
    if (cached === undefined) {
      this.expectations.forget(key);
      return;
    }
    const job = structuredClone(cached);
    if (isJobFinished(job)) return;
    const spec = (job.spec ?? {}) as JobSpec;
    const { namespace } = splitKey(key);
    const pods = await claimObjects({
      owner: job,
      ownerRef: newControllerRef(job, 'batch/v1', 'Job'),
      candidates: this.pods.indexer.byIndex('namespace', namespace),
      matches: (p) => selectorMatches(spec.selector, p.metadata?.labels ?? {}),
      client: this.podClient,
    });
    const counts = countPods(pods);
    const now = this.ctx.clock.now();
    const status: Record<string, unknown> = { ...job.status };
    const suspended = spec.suspend === true;
    if (status.startTime === undefined && !suspended) status.startTime = rfc3339(now);
    const startMs = typeof status.startTime === 'string' ? Date.parse(status.startTime) : now;
    const deadlineMs = spec.activeDeadlineSeconds === undefined ? undefined : startMs + spec.activeDeadlineSeconds * 1000;

    let finished: JobCondition | undefined;
    if (counts.failed > (spec.backoffLimit ?? 6)) {
      finished = finishedCondition('Failed', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit', now);
    } else if (deadlineMs !== undefined && now >= deadlineMs && !suspended) {
      finished = finishedCondition('Failed', 'DeadlineExceeded', 'Job was active longer than specified deadline', now);
    } else if (isCompleteNow(spec, counts)) {
      finished = finishedCondition('Complete', '', '', now);
    }

    let requeueAfterMs: number | undefined;
    let active = counts.active.length;
    if (finished !== undefined) {
      active -= await this.deletePods(key, job, counts.active);
      status.conditions = [...((status.conditions ?? []) as JobCondition[]), finished];
      if (finished.type === 'Complete') {
        status.completionTime = rfc3339(now);
        this.ctx.events.event(job, 'Normal', 'Completed', 'Job completed');
      } else this.ctx.events.event(job, 'Warning', finished.reason ?? 'Failed', finished.message ?? '');
    } else if (this.expectations.satisfied(key) && !isDeleting(job)) {
      const want = suspended ? 0 : wantedActive(spec, counts.succeeded);
      const wait = backoffRemainingMs(counts, this.backoffBaseMs, now);
      if (active > want) active -= await this.deletePods(key, job, [...counts.active].sort(compareForDeletion).slice(0, active - want));
      else if (active < want && wait > 0) requeueAfterMs = wait;
      else if (active < want) active += await this.createPods(key, job, want - active);
    }
    if (finished === undefined && deadlineMs !== undefined && !suspended) requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, Math.max(0, deadlineMs - now) + 50);
    Object.assign(status, { active, succeeded: counts.succeeded, failed: counts.failed });
    for (const f of ['active', 'succeeded', 'failed'] as const) if (status[f] === 0) delete status[f];
    await this.writeStatus(job, status);
    return requeueAfterMs === undefined ? undefined : { requeueAfterMs };
  }

  private async createPods(key: string, job: Obj, count: number): Promise<number> {
    const meta = job.metadata ?? {};
    const spec = (job.spec ?? {}) as JobSpec;
    this.expectations.expectCreations(key, count);
    const pod = podFromTemplate((spec.template ?? {}) as PodTemplate, meta.namespace ?? '', newControllerRef(job, 'batch/v1', 'Job'), { generateName: podNamePrefix(meta.name ?? '') });
    const { succeeded, error } = await slowStartBatch(count, 1, async () => {
      const created = await this.podClient.create(meta.namespace ?? '', pod);
      this.ctx.events.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name ?? ''}`);
    });
    for (let i = succeeded; i < count; i++) this.expectations.creationObserved(key);
    if (error !== undefined) throw error;
    return succeeded;
  }

  /** Deletes the given pods; returns how many. */
  private async deletePods(key: string, job: Obj, pods: readonly Obj[]): Promise<number> {
    if (pods.length === 0) return 0;
    this.expectations.expectDeletions(key, pods.map((p) => p.metadata?.uid ?? ''));
    let deleted = 0;
    for (const p of pods) {
      try {
        await this.podClient.delete(p.metadata?.namespace ?? '', p.metadata?.name ?? '');
        this.ctx.events.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata?.name ?? ''}`);
        deleted++;
      } catch (err) {
        this.expectations.deletionObserved(key, p.metadata?.uid ?? '');
        if (!isNotFound(err)) throw err;
      }
    }
    return deleted;
  }

  private async writeStatus(job: Obj, status: Record<string, unknown>): Promise<void> {
    await writeStatusIfChanged(this.jobClient, job, status);
  }
}

export const jobController: ControllerDescriptor = {
  name: 'job',
  flags: { [BACKOFF_FLAG]: '10s' },
  create: (ctx) => new JobController(ctx),
};
