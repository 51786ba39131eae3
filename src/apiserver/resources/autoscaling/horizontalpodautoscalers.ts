// autoscaling horizontalpodautoscalers (hpa): served as autoscaling/v2 (the preferred version, and the one objects
// are stored in) and as autoscaling/v1, which reads and writes the same objects through hpa-conversion.ts, as
// kube-apiserver 1.31 serves both. Defaults and validation are v2's (a v1 object is checked in its v2 form, so the
// messages name the same fields upstream's internal validation does); the Table is kube-apiserver's printer, whose
// TARGETS cell names the resource since 1.30 ("cpu: 12%/50%", "cpu: <unknown>/50%" before the first measurement).
import type { KubeObject } from '../../types.ts';
import { AGE_COLUMN, age, column, NAME_COLUMN, type TablePrinter } from '../../rest/table.ts';
import { formatQuantity, parseQuantity } from '../quantity.ts';
import type { ResourceDef } from '../resource-def.ts';
import { arr, child, o, str, type Obj } from '../values.ts';
import { AUTOSCALING_V2, hpaV1ToV2, hpaV2ToV1, METRIC_SPECS_ANNOTATION } from './hpa-conversion.ts';
import { DEFAULT_CPU_UTILIZATION, defaultHorizontalPodAutoscaler } from './hpa-defaults.ts';
import { validateHorizontalPodAutoscaler } from './hpa-validation.ts';

const MAX_METRICS_SHOWN = 2;

/** Quantity.String() of a quantity written in JSON ("500m", "1"); as given when it does not parse. */
function quantity(v: unknown): string {
  const q = parseQuantity(v);
  return q === undefined ? str(v) : formatQuantity(q);
}

const percent = (v: unknown): string | undefined => (typeof v === 'number' ? `${v}%` : undefined);

/** One metric's "current/target" as formatHPAMetrics writes it. */
function metricCell(spec: Obj, status: Obj | undefined): string {
  const type = str(spec.type);
  const field = { External: 'external', Pods: 'pods', Object: 'object', Resource: 'resource', ContainerResource: 'containerResource' }[type];
  if (field === undefined) return '<unknown type>';
  const src = o(spec[field]);
  const target = o(src.target);
  const current = status === undefined || status[field] === undefined || status[field] === null ? undefined : o(o(status[field]).current);
  const averaged = target.averageValue !== undefined && target.averageValue !== null;
  if (type === 'Pods') return `${current === undefined ? '<unknown>' : quantity(current.averageValue)}/${quantity(target.averageValue)}`;
  if (type === 'External' || type === 'Object') {
    if (averaged) return `${current?.averageValue === undefined ? '<unknown>' : quantity(current.averageValue)}/${quantity(target.averageValue)} (avg)`;
    return `${current === undefined ? '<unknown>' : quantity(current.value)}/${quantity(target.value)}`;
  }
  const name = str(src.name);
  if (averaged) return `${name}: ${current === undefined ? '<unknown>' : quantity(current.averageValue)}/${quantity(target.averageValue)}`;
  return `${name}: ${percent(current?.averageUtilization) ?? '<unknown>'}/${percent(target.averageUtilization) ?? '<auto>'}`;
}

/** formatHPAMetrics: the first two metrics, then "+ N more...". */
export function formatHpaMetrics(hpa: KubeObject): string {
  const specs = arr(o(hpa.spec).metrics);
  if (specs.length === 0) return '<none>';
  const statuses = arr(o(hpa.status).currentMetrics);
  const cells = specs.map((spec, i) => metricCell(spec, statuses[i]));
  const shown = cells.slice(0, MAX_METRICS_SHOWN).join(', ');
  return cells.length > MAX_METRICS_SHOWN ? `${shown} + ${cells.length - MAX_METRICS_SHOWN} more...` : shown;
}

function hpaCells(hpa: KubeObject, now: Date): unknown[] {
  const spec = o(hpa.spec);
  const ref = o(spec.scaleTargetRef);
  const min = spec.minReplicas;
  const current = o(hpa.status).currentReplicas;
  return [
    hpa.metadata?.name,
    `${str(ref.kind)}/${str(ref.name)}`,
    formatHpaMetrics(hpa),
    typeof min === 'number' ? String(min) : '<unset>',
    typeof spec.maxReplicas === 'number' ? spec.maxReplicas : 0,
    typeof current === 'number' ? current : 0,
    age(hpa.metadata?.creationTimestamp, now),
  ];
}

const COLUMNS = [
  NAME_COLUMN,
  column('Reference', 'scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.'),
  column('Targets', 'metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).'),
  column('MinPods', 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.  It defaults to 1 pod.'),
  column('MaxPods', 'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up. It cannot be less that minReplicas.', { type: 'integer' }),
  column('Replicas', 'currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.', { type: 'integer' }),
  AGE_COLUMN,
];

const SHARED = {
  group: 'autoscaling',
  resource: 'horizontalpodautoscalers',
  singular: 'horizontalpodautoscaler',
  kind: 'HorizontalPodAutoscaler',
  namespaced: true,
  shortNames: ['hpa'],
  categories: ['all'],
  hasStatus: true,
  tracksGeneration: false,
  deleteReturnsObject: false,
  selectableFields: {},
  validateUpdate: () => [],
} as const;

export const horizontalpodautoscalers: ResourceDef = {
  ...SHARED,
  version: 'v2',
  printer: { columns: COLUMNS, cells: hpaCells },
  defaults: defaultHorizontalPodAutoscaler,
  validate: validateHorizontalPodAutoscaler,
};

/** v1 objects in v2 form, defaulted as v2 defaults the stored object. */
function asStored(hpa: KubeObject): KubeObject {
  const stored = hpaV1ToV2(hpa);
  defaultHorizontalPodAutoscaler(stored);
  return stored;
}

const v1Printer: TablePrinter = { columns: COLUMNS, cells: (hpa, now) => hpaCells(asStored(hpa), now) };

export const horizontalpodautoscalersV1: ResourceDef = {
  ...SHARED,
  version: 'v1',
  printer: v1Printer,
  /** SetDefaults for v1: minReplicas 1; the 80 % target shows when no metric at all is given, as it reads back. */
  defaults(hpa) {
    const spec = child(hpa, 'spec');
    spec.minReplicas ??= 1;
    const otherMetrics = hpa.metadata?.annotations?.[METRIC_SPECS_ANNOTATION];
    if (spec.targetCPUUtilizationPercentage === undefined && (otherMetrics === undefined || otherMetrics === '[]')) spec.targetCPUUtilizationPercentage = DEFAULT_CPU_UTILIZATION;
    const status = child(hpa, 'status');
    status.currentReplicas ??= 0;
    status.desiredReplicas ??= 0;
  },
  validate: (hpa) => validateHorizontalPodAutoscaler(asStored(hpa)),
  conversion: { storedVersion: AUTOSCALING_V2, fromStored: hpaV2ToV1, toStored: asStored },
};
