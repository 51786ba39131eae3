// scheduling.k8s.io/v1 priorityclasses: names for pod priorities, which the Priority admission rule
// (admission/priority.ts) resolves into a new pod's spec.priority. Defaults, validation (values above one billion and
// `system-` names are reserved for the two built-in classes every apiserver creates at start), immutability of value
// and preemptionPolicy, the refusal to delete a built-in class, and the printer are kube-apiserver 1.31's.
import type { KubeObject } from '../../types.ts';
import { badRequest, cause, type StatusCause } from '../../rest/status.ts';
import { AGE_COLUMN, age, column, NAME_COLUMN } from '../../rest/table.ts';
import type { ResourceDef } from '../resource-def.ts';
import { str } from '../values.ts';

export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;
const SYSTEM_CRITICAL_PRIORITY = 2 * HIGHEST_USER_DEFINABLE_PRIORITY;
export const SYSTEM_PRIORITY_CLASS_PREFIX = 'system-';
export const PREEMPTION_POLICIES = ['PreemptLowerPriority', 'Never'];
const INT32_MAX = 2 ** 31 - 1;

/** The classes kube-apiserver creates at start (scheduling/v1 SystemPriorityClasses), and nobody else may. */
export const SYSTEM_PRIORITY_CLASSES: readonly { name: string; value: number; description: string }[] = [
  { name: 'system-node-critical', value: SYSTEM_CRITICAL_PRIORITY + 1000, description: 'Used for system critical pods that must not be moved from their current node.' },
  { name: 'system-cluster-critical', value: SYSTEM_CRITICAL_PRIORITY, description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.' },
];

function systemPriorityClassObjects(): KubeObject[] {
  return SYSTEM_PRIORITY_CLASSES.map((c) => ({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: c.name }, value: c.value, description: c.description }));
}

/** IsKnownSystemPriorityClass: why a `system-` class is not one of the built-ins, or undefined when it is. */
function systemClassMismatch(name: string, value: number, globalDefault: boolean): string | undefined {
  const known = SYSTEM_PRIORITY_CLASSES.find((c) => c.name === name);
  if (known === undefined) return `${name} is not a known system priority class`;
  if (known.value !== value) return `value of ${name} PriorityClass must be ${known.value}`;
  if (globalDefault) return `globalDefault of ${name} PriorityClass must be false`;
  return undefined;
}

/** Go's decoder refuses what does not fit the field's type, before any validation: 400, in its words. */
function decodeProblem(pc: KubeObject): string | undefined {
  const value = pc.value;
  if (value !== undefined && value !== null) {
    if (typeof value !== 'number') return `cannot unmarshal ${goJsonType(value)} into Go struct field PriorityClass.value of type int32`;
    if (!Number.isInteger(value) || value > INT32_MAX || value < -INT32_MAX - 1) return `cannot unmarshal number ${value} into Go struct field PriorityClass.value of type int32`;
  }
  for (const [field, type] of [
    ['globalDefault', 'boolean'],
    ['description', 'string'],
    ['preemptionPolicy', 'string'],
  ] as const) {
    const v = pc[field];
    if (v !== undefined && v !== null && typeof v !== type) return `cannot unmarshal ${goJsonType(v)} into Go struct field PriorityClass.${field} of type ${type === 'boolean' ? 'bool' : 'string'}`;
  }
  return undefined;
}

function goJsonType(v: unknown): string {
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return `number ${v}`;
  if (Array.isArray(v)) return 'array';
  return typeof v === 'object' ? 'object' : typeof v;
}

function defaultPriorityClass(pc: KubeObject): void {
  const problem = decodeProblem(pc);
  if (problem !== undefined) throw badRequest(`PriorityClass in version "v1" cannot be handled as a PriorityClass: json: ${problem}`);
  if (pc.value === undefined || pc.value === null) pc.value = 0;
  if (pc.globalDefault === null) delete pc.globalDefault;
  if (pc.preemptionPolicy === undefined || pc.preemptionPolicy === null) pc.preemptionPolicy = 'PreemptLowerPriority';
}

function validatePriorityClass(pc: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const name = pc.metadata?.name ?? '';
  const value = typeof pc.value === 'number' ? pc.value : 0;
  if (name.startsWith(SYSTEM_PRIORITY_CLASS_PREFIX)) {
    const why = systemClassMismatch(name, value, pc.globalDefault === true);
    if (why !== undefined) causes.push(cause.forbidden('metadata.name', `priority class names with '${SYSTEM_PRIORITY_CLASS_PREFIX}' prefix are reserved for system use only. error: ${why}`));
  } else if (value > HIGHEST_USER_DEFINABLE_PRIORITY) {
    causes.push(cause.forbidden('value', `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`));
  }
  const policy = str(pc.preemptionPolicy);
  if (policy === '') causes.push(cause.required('preemptionPolicy'));
  else if (!PREEMPTION_POLICIES.includes(policy)) causes.push(cause.notSupported('preemptionPolicy', policy, PREEMPTION_POLICIES));
  return causes;
}

function validatePriorityClassUpdate(next: KubeObject, old: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  if (next.value !== old.value) causes.push(cause.forbidden('value', 'may not be changed in an update.'));
  if (str(next.preemptionPolicy) !== str(old.preemptionPolicy)) causes.push(cause.invalid('preemptionPolicy', next.preemptionPolicy, 'field is immutable'));
  return causes;
}

export const priorityclasses: ResourceDef = {
  group: 'scheduling.k8s.io',
  version: 'v1',
  resource: 'priorityclasses',
  singular: 'priorityclass',
  kind: 'PriorityClass',
  namespaced: false,
  shortNames: ['pc'],
  categories: [],
  hasStatus: false,
  // generation is 1 from creation (the strategy sets it) and never bumped: a PriorityClass has no spec.
  tracksGeneration: true,
  deleteReturnsObject: false,
  printer: {
    // kube-apiserver 1.32 added a PreemptionPolicy column; 1.31, whose version we claim, sends these four.
    columns: [
      NAME_COLUMN,
      column('Value', 'value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec.', { type: 'integer' }),
      column('Global-Default', 'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the smallest value of such global default PriorityClasses will be used as the default priority.', { type: 'boolean' }),
      AGE_COLUMN,
    ],
    cells: (pc, now) => [pc.metadata?.name, typeof pc.value === 'number' ? pc.value : 0, pc.globalDefault === true, age(pc.metadata?.creationTimestamp, now)],
  },
  selectableFields: {},
  builtinObjects: systemPriorityClassObjects,
  deleteForbidden: (name) => (SYSTEM_PRIORITY_CLASSES.some((c) => c.name === name) ? 'this is a system priority class and cannot be deleted' : undefined),
  defaults: defaultPriorityClass,
  validate: validatePriorityClass,
  validateUpdate: validatePriorityClassUpdate,
};
