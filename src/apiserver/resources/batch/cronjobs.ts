// batch/v1 cronjobs: concurrencyPolicy Allow, suspend false, history limits 3 and 1; the schedule must be a
// five-field cron expression or a @-descriptor.
import type { KubeObject } from '../../types.ts';
import { cause, type StatusCause } from '../../rest/status.ts';
import { AGE_COLUMN, age, column, NAME_COLUMN } from '../../rest/table.ts';
import { selectorText } from '../label-selector.ts';
import { defaultPodTemplate, validatePodTemplate } from '../pod-spec.ts';
import type { ResourceDef } from '../resource-def.ts';
import { arr, child, o, str } from '../values.ts';
import { CONTAINERS_COLUMN, IMAGES_COLUMN, SELECTOR_COLUMN, templateContainers, validateNonNegative } from '../workload.ts';
import { JOB_RESTART_POLICIES } from './jobs.ts';

const CONCURRENCY = ['Allow', 'Forbid', 'Replace'];
const DESCRIPTORS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

/** The cron parser's first objection to a schedule, or null when it parses. */
export function scheduleProblem(schedule: string): string | null {
  const text = schedule.replace(/^(CRON_)?TZ=\S+\s+/, '').trim();
  if (text.startsWith('@')) return DESCRIPTORS.includes(text) || /^@every \d+[smh]/.test(text) ? null : `unrecognized descriptor: ${text}`;
  const fields = text.split(/\s+/).filter((f) => f !== '');
  if (fields.length !== 5) return `expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`;
  const field = /^(\*|\?|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(\/\d+)?(,(\*|\?|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(\/\d+)?)*$/;
  const bad = fields.find((f) => !field.test(f));
  return bad === undefined ? null : `failed to parse int from ${bad}`;
}

const jobTemplateSpec = (cj: KubeObject) => o(o(o(cj.spec).jobTemplate).spec);

export const cronjobs: ResourceDef = {
  group: 'batch',
  version: 'v1',
  resource: 'cronjobs',
  singular: 'cronjob',
  kind: 'CronJob',
  namespaced: true,
  shortNames: ['cj'],
  categories: ['all'],
  hasStatus: true,
  tracksGeneration: true,
  deleteReturnsObject: false,
  printer: {
    columns: [
      NAME_COLUMN,
      column('Schedule', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
      column('Timezone', 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.'),
      column('Suspend', 'This flag tells the controller to suspend subsequent executions.', { type: 'boolean' }),
      column('Active', 'A list of pointers to currently running jobs.', { type: 'integer' }),
      column('Last Schedule', 'Information when was the last time the job was successfully scheduled.'),
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
      { ...SELECTOR_COLUMN, description: 'A label query over pods that should match the pod count.' },
    ],
    cells: (cj, now) => {
      const spec = o(cj.spec);
      const status = o(cj.status);
      const last = str(status.lastScheduleTime);
      const jobSelector = jobTemplateSpec(cj).selector;
      return [
        cj.metadata?.name,
        str(spec.schedule),
        str(spec.timeZone) || '<none>',
        spec.suspend === true ? 'True' : 'False',
        arr(status.active).length,
        last === '' ? '<none>' : age(last, now),
        age(cj.metadata?.creationTimestamp, now),
        ...templateContainers(jobTemplateSpec(cj).template),
        jobSelector === undefined ? '<none>' : selectorText(jobSelector) || '<none>',
      ];
    },
  },
  selectableFields: {},
  defaults(cj) {
    const spec = child(cj, 'spec');
    spec.concurrencyPolicy ??= 'Allow';
    spec.suspend ??= false;
    spec.successfulJobsHistoryLimit ??= 3;
    spec.failedJobsHistoryLimit ??= 1;
    const jobSpec = child(child(spec, 'jobTemplate'), 'spec');
    if (jobSpec.template !== undefined) defaultPodTemplate(jobSpec);
  },
  validate(cj) {
    const spec = o(cj.spec);
    const causes: StatusCause[] = [];
    const schedule = str(spec.schedule);
    if (schedule === '') causes.push(cause.required('spec.schedule'));
    else {
      const problem = scheduleProblem(schedule);
      if (problem !== null) causes.push(cause.invalid('spec.schedule', schedule, problem));
    }
    const policy = str(spec.concurrencyPolicy);
    if (!CONCURRENCY.includes(policy)) causes.push(cause.notSupported('spec.concurrencyPolicy', policy, CONCURRENCY));
    for (const f of ['startingDeadlineSeconds', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit']) causes.push(...validateNonNegative(spec, f));
    causes.push(...validatePodTemplate(jobTemplateSpec(cj), 'spec.jobTemplate.spec.template', JOB_RESTART_POLICIES));
    return causes;
  },
  validateUpdate: () => [],
};
