// batch/v1 jobs: completions/parallelism 1, backoffLimit 6, NonIndexed, and the selector + controller-uid/job-name
// template labels the apiserver generates (both the batch.kubernetes.io/ and the legacy keys, as 1.27+ do).
import type { KubeObject } from '../../types.ts';
import { cause, type StatusCause } from '../../rest/status.ts';
import { AGE_COLUMN, age, column, NAME_COLUMN } from '../../rest/table.ts';
import { defaultPodTemplate, validatePodTemplate } from '../pod-spec.ts';
import type { ResourceDef } from '../resource-def.ts';
import { arr, child, o, str, type Obj } from '../values.ts';
import { CONTAINERS_COLUMN, count, IMAGES_COLUMN, labelSelectorText, SELECTOR_COLUMN, selectorImmutable, templateContainers, validateNonNegative, validateSelectorForTemplate } from '../workload.ts';

export const JOB_RESTART_POLICIES = ['OnFailure', 'Never'];
const COMPLETION_MODES = ['NonIndexed', 'Indexed'];

const hasCondition = (job: KubeObject, type: string): boolean => arr(o(job.status).conditions).some((c) => str(c.type) === type && str(c.status) === 'True');

/** The STATUS column as the 1.30/1.31 printer derives it (SuccessCriteriaMet only shows from 1.34). */
function jobStatusText(job: KubeObject): string {
  if (job.metadata?.deletionTimestamp !== undefined) return 'Terminating';
  if (hasCondition(job, 'Complete')) return 'Complete';
  if (hasCondition(job, 'Failed')) return 'Failed';
  if (hasCondition(job, 'Suspended')) return 'Suspended';
  if (hasCondition(job, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

function completions(job: KubeObject): string {
  const spec = o(job.spec);
  const succeeded = count(job.status, 'succeeded');
  if (typeof spec.completions === 'number') return `${succeeded}/${spec.completions}`;
  const parallelism = typeof spec.parallelism === 'number' ? spec.parallelism : 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function duration(job: KubeObject, now: Date): string {
  const status = o(job.status);
  const start = str(status.startTime);
  if (start === '') return '';
  const end = str(status.completionTime);
  return end === '' ? age(start, now) : age(start, new Date(Date.parse(end)));
}

/** generateSelector: the job's uid labels its pods and is what its selector matches, unless manualSelector. */
function generateSelector(job: KubeObject, spec: Obj): void {
  const uid = job.metadata?.uid ?? '';
  const name = job.metadata?.name ?? '';
  if (spec.manualSelector === true || uid === '') return;
  const meta = child(child(spec, 'template'), 'metadata');
  meta.labels = { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': name, 'controller-uid': uid, 'job-name': name, ...o(meta.labels) };
  const selector = child(spec, 'selector');
  const matchLabels = child(selector, 'matchLabels');
  matchLabels['batch.kubernetes.io/controller-uid'] ??= uid;
}

export function validateJobSpec(spec: Obj, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const f of ['parallelism', 'completions', 'backoffLimit', 'activeDeadlineSeconds', 'ttlSecondsAfterFinished']) causes.push(...validateNonNegative(spec, f, path));
  if (typeof spec.activeDeadlineSeconds === 'number' && spec.activeDeadlineSeconds === 0) causes.push(cause.invalid(`${path}.activeDeadlineSeconds`, 0, 'must be greater than 0'));
  const mode = str(spec.completionMode);
  if (mode !== '' && !COMPLETION_MODES.includes(mode)) causes.push(cause.notSupported(`${path}.completionMode`, mode, COMPLETION_MODES));
  if (mode === 'Indexed' && spec.completions === undefined) causes.push(cause.required(`${path}.completions`, 'when completion mode is Indexed'));
  causes.push(...validatePodTemplate(spec, `${path}.template`, JOB_RESTART_POLICIES));
  return causes;
}

export const jobs: ResourceDef = {
  group: 'batch',
  version: 'v1',
  resource: 'jobs',
  singular: 'job',
  kind: 'Job',
  namespaced: true,
  shortNames: [],
  categories: ['all'],
  hasStatus: true,
  tracksGeneration: true,
  deleteReturnsObject: false,
  printer: {
    columns: [
      NAME_COLUMN,
      column('Status', 'Status of the job.'),
      column('Completions', 'The desired number of successfully finished pods the job should be run with.'),
      column('Duration', 'Time required to complete the job.'),
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
      { ...SELECTOR_COLUMN, description: 'A label query over pods that should match the pod count.' },
    ],
    cells: (job, now) => [job.metadata?.name, jobStatusText(job), completions(job), duration(job, now), age(job.metadata?.creationTimestamp, now), ...templateContainers(o(job.spec).template), labelSelectorText(job) || '<none>'],
  },
  selectableFields: { 'status.successful': (j) => String(count(j.status, 'succeeded')) },
  defaults(job) {
    const spec = child(job, 'spec');
    if (spec.completions === undefined && spec.parallelism === undefined) {
      spec.completions = 1;
      spec.parallelism = 1;
    }
    spec.parallelism ??= 1;
    spec.backoffLimit ??= 6;
    spec.completionMode ??= 'NonIndexed';
    spec.suspend ??= false;
    if (spec.podFailurePolicy === undefined) spec.podReplacementPolicy ??= 'TerminatingOrFailed';
    generateSelector(job, spec);
    defaultPodTemplate(spec);
  },
  validate(job) {
    const spec = o(job.spec);
    return [...validateJobSpec(spec, 'spec'), ...validateSelectorForTemplate(spec, 'job')];
  },
  validateUpdate: selectorImmutable,
};
