// policy/v1 poddisruptionbudgets (pdb): minAvailable or maxUnavailable (a count or a percentage, not both) over the
// pods a selector picks. Status starts zeroed (Go's non-omitempty integers); the disruption controller fills it.
import { cause, type StatusCause } from '../../rest/status.ts';
import { AGE_COLUMN, age, column, NAME_COLUMN } from '../../rest/table.ts';
import { validateLabelSelector } from '../label-selector.ts';
import type { ResourceDef } from '../resource-def.ts';
import { child, o, str } from '../values.ts';

const EVICTION_POLICIES = ['AlwaysAllow', 'IfHealthyBudget'];

/** An IntOrString bound: a non-negative count or a percentage up to 100%. */
function validateBound(value: unknown, field: string): StatusCause[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'number') return value < 0 ? [cause.invalid(field, value, 'must be greater than or equal to 0')] : [];
  const text = str(value);
  const m = /^([0-9]+)%$/.exec(text);
  if (m === null) return [cause.invalid(field, text, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  '93%')")];
  return Number(m[1]) > 100 ? [cause.invalid(field, text, 'must be no greater than 100%')] : [];
}

const bound = (v: unknown): string => (typeof v === 'number' ? String(v) : str(v) || 'N/A');

export const poddisruptionbudgets: ResourceDef = {
  group: 'policy',
  version: 'v1',
  resource: 'poddisruptionbudgets',
  singular: 'poddisruptionbudget',
  kind: 'PodDisruptionBudget',
  namespaced: true,
  shortNames: ['pdb'],
  categories: [],
  hasStatus: true,
  tracksGeneration: true,
  deleteReturnsObject: false,
  printer: {
    columns: [
      NAME_COLUMN,
      column('Min Available', 'The minimum number of pods that must be available.'),
      column('Max Unavailable', 'The maximum number of pods that may be unavailable.'),
      column('Allowed Disruptions', 'Calculated number of pods that may be disrupted at this time.', { type: 'integer' }),
      AGE_COLUMN,
    ],
    cells: (pdb, now) => {
      const spec = o(pdb.spec);
      const allowed = o(pdb.status).disruptionsAllowed;
      return [pdb.metadata?.name, bound(spec.minAvailable), bound(spec.maxUnavailable), typeof allowed === 'number' ? allowed : 0, age(pdb.metadata?.creationTimestamp, now)];
    },
  },
  selectableFields: {},
  defaults(pdb) {
    const status = child(pdb, 'status');
    for (const f of ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods']) status[f] ??= 0;
  },
  validate(pdb) {
    const spec = o(pdb.spec);
    const causes: StatusCause[] = [];
    if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) causes.push({ reason: 'FieldValueInvalid', message: 'Invalid value: "spec": minAvailable and maxUnavailable cannot be both set', field: 'spec' });
    causes.push(...validateBound(spec.minAvailable, 'spec.minAvailable'), ...validateBound(spec.maxUnavailable, 'spec.maxUnavailable'));
    causes.push(...validateLabelSelector(spec.selector, 'spec.selector'));
    const policy = spec.unhealthyPodEvictionPolicy;
    if (policy !== undefined && !EVICTION_POLICIES.includes(str(policy))) causes.push(cause.notSupported('spec.unhealthyPodEvictionPolicy', policy, EVICTION_POLICIES));
    return causes;
  },
  validateUpdate: () => [],
};
