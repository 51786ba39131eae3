// core/v1 resourcequotas: hard limits per namespace. The apiserver enforces them on create (admission/resource-quota.ts)
// and the controller-manager's resourcequota controller keeps status.hard/used current. Here: quantities read and
// written canonically ("1000m" is stored as "1"), status cleared on create, validation of resource names, values,
// scopes and scope selectors, and the printer (kube-apiserver 1.31's columns: NAME AGE REQUEST LIMIT).
import { isPlainObject, type KubeObject } from '../../types.ts';
import { badRequest, cause, type StatusCause } from '../../rest/status.ts';
import { AGE_COLUMN, age, column, NAME_COLUMN } from '../../rest/table.ts';
import { qualifiedNameProblems } from '../names.ts';
import { formatQuantity, milliValue, parseQuantity, QUANTITY_SYNTAX_MESSAGE } from '../quantity.ts';
import type { ResourceDef } from '../resource-def.ts';
import { arr, o, str, type Obj } from '../values.ts';
import { QUOTA_SCOPES } from './quota-usage.ts';

const STANDARD_QUOTA_RESOURCES = new Set([
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.storage',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'pods',
  'resourcequotas',
  'services',
  'replicationcontrollers',
  'secrets',
  'persistentvolumeclaims',
  'configmaps',
  'services.nodeports',
  'services.loadbalancers',
]);
const STANDARD_RESOURCES = new Set([...STANDARD_QUOTA_RESOURCES, 'storage']);
const INTEGER_RESOURCES = new Set(['pods', 'resourcequotas', 'services', 'replicationcontrollers', 'secrets', 'configmaps', 'persistentvolumeclaims', 'services.nodeports', 'services.loadbalancers']);
/** Resources a pod-only scope may constrain (IsResourceQuotaScopeValidForResource). */
const POD_SCOPED_RESOURCES = new Set(['pods', 'cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']);
const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'];
const EXISTS_ONLY_SCOPES = new Set(['BestEffort', 'NotBestEffort', 'Terminating', 'NotTerminating', 'CrossNamespacePodAffinity']);
const CONFLICTING_SCOPES = [
  ['BestEffort', 'NotBestEffort'],
  ['Terminating', 'NotTerminating'],
];

const isHugePages = (name: string): boolean => name.startsWith('hugepages-') || name.startsWith('requests.hugepages-');
/** Extended resources ("example.com/gpu", "count/pods") count whole units, like the object counts. */
const isIntegerResource = (name: string): boolean => INTEGER_RESOURCES.has(name) || (name.includes('/') && !name.includes('kubernetes.io/') && !name.startsWith('requests.'));

function scopeValidForResource(scope: string, resource: string): boolean {
  if (scope === 'BestEffort') return resource === 'pods';
  if (['Terminating', 'NotTerminating', 'NotBestEffort', 'PriorityClass', 'CrossNamespacePodAffinity'].includes(scope)) return POD_SCOPED_RESOURCES.has(resource);
  return true;
}

/** Every quantity of a resource list in canonical text; a value that does not parse is Go's decoding error (400). */
function canonicalList(list: unknown): Obj | undefined {
  if (list === undefined || list === null) return undefined;
  const out: Obj = {};
  for (const [name, value] of Object.entries(o(list))) {
    const q = parseQuantity(value);
    if (q === undefined) throw badRequest(`ResourceQuota in version "v1" cannot be handled as a ResourceQuota: ${QUANTITY_SYNTAX_MESSAGE}`);
    out[name] = formatQuantity(q);
  }
  return out;
}

function defaultResourceQuota(rq: KubeObject): void {
  for (const [part, fields] of [
    [rq.spec, ['hard']],
    [rq.status, ['hard', 'used']],
  ] as const) {
    if (!isPlainObject(part)) continue;
    for (const field of fields) {
      const list = canonicalList(part[field]);
      if (list !== undefined) part[field] = list;
    }
  }
}

function validateResourceList(list: unknown, at: string): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const [name, value] of Object.entries(o(list))) {
    const field = `${at}[${name}]`;
    for (const problem of qualifiedNameProblems(name)) causes.push(cause.invalid(field, name, problem));
    if (!name.includes('/')) {
      if (!STANDARD_RESOURCES.has(name) && !name.startsWith('hugepages-')) causes.push(cause.invalid(field, name, 'must be a standard resource type or fully qualified'));
      if (!STANDARD_QUOTA_RESOURCES.has(name) && !isHugePages(name)) causes.push(cause.invalid(field, name, 'must be a standard resource for quota'));
    }
    const q = parseQuantity(value);
    if (q === undefined) continue;
    if (q.nanos < 0n) causes.push(cause.invalid(field, formatQuantity(q), 'must be greater than or equal to 0'));
    if (isIntegerResource(name) && milliValue(q) % 1000n !== 0n) causes.push(cause.invalid(field, formatQuantity(q), 'must be an integer'));
  }
  return causes;
}

function validateScopes(spec: Obj): StatusCause[] {
  const scopes = Array.isArray(spec.scopes) ? (spec.scopes as unknown[]).map(String) : [];
  if (scopes.length === 0) return [];
  const causes: StatusCause[] = [];
  const hard = Object.keys(o(spec.hard)).sort();
  for (const scope of scopes) {
    if (!QUOTA_SCOPES.includes(scope)) causes.push(cause.invalid('spec.scopes', scopes, 'unsupported scope'));
    for (const r of hard) if (STANDARD_QUOTA_RESOURCES.has(r) && !scopeValidForResource(scope, r)) causes.push(cause.invalid('spec.scopes', scopes, 'unsupported scope applied to resource'));
  }
  for (const pair of CONFLICTING_SCOPES) if (pair.every((s) => scopes.includes(s))) causes.push(cause.invalid('spec.scopes', scopes, 'conflicting scopes'));
  return causes;
}

function validateScopeSelector(spec: Obj): StatusCause[] {
  if (spec.scopeSelector === undefined || spec.scopeSelector === null) return [];
  const at = 'spec.scopeSelector.matchExpressions';
  const causes: StatusCause[] = [];
  const hard = Object.keys(o(spec.hard)).sort();
  const seen = new Set<string>();
  for (const e of arr(o(spec.scopeSelector).matchExpressions)) {
    const scope = str(e.scopeName);
    const operator = str(e.operator);
    const values = Array.isArray(e.values) ? (e.values as unknown[]) : [];
    if (!QUOTA_SCOPES.includes(scope)) causes.push(cause.invalid(`${at}.scopeName`, scope, 'unsupported scope'));
    for (const r of hard) if (STANDARD_QUOTA_RESOURCES.has(r) && !scopeValidForResource(scope, r)) causes.push(cause.invalid(at, spec.scopeSelector, 'unsupported scope applied to resource'));
    if (EXISTS_ONLY_SCOPES.has(scope) && operator !== 'Exists') {
      causes.push(
        cause.invalid(
          `${at}.operator`,
          operator,
          "must be 'Exist' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity",
        ),
      );
    }
    if (operator === 'In' || operator === 'NotIn') {
      if (values.length === 0) causes.push(cause.required(`${at}.values`, "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector"));
    } else if (operator === 'Exists' || operator === 'DoesNotExist') {
      if (values.length > 0) causes.push(cause.invalid(`${at}.values`, values, "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector"));
    } else if (!SELECTOR_OPERATORS.includes(operator)) {
      causes.push(cause.invalid(`${at}.operator`, operator, 'not a valid selector operator'));
    }
    seen.add(scope);
  }
  for (const pair of CONFLICTING_SCOPES) if (pair.every((s) => seen.has(s))) causes.push(cause.invalid(at, spec.scopes ?? null, 'conflicting scopes'));
  return causes;
}

function validateResourceQuota(rq: KubeObject): StatusCause[] {
  const spec = o(rq.spec);
  const status = o(rq.status);
  return [
    ...validateResourceList(spec.hard, 'spec.hard'),
    ...validateScopes(spec),
    ...validateScopeSelector(spec),
    ...validateResourceList(status.hard, 'status.hard'),
    ...validateResourceList(status.used, 'status.used'),
  ];
}

/** printResourceQuota: `name: used/hard` for each enforced resource, `limits.*` in the Limit column. */
function quotaColumns(rq: KubeObject): [string, string] {
  const status = o(rq.status);
  const hard = o(status.hard);
  const used = o(status.used);
  const request: string[] = [];
  const limit: string[] = [];
  for (const name of Object.keys(hard).sort()) {
    const show = (v: unknown): string => {
      const q = parseQuantity(v);
      return q === undefined ? '0' : formatQuantity(q);
    };
    (name.split('.')[0] === 'limits' && name.includes('.') ? limit : request).push(`${name}: ${show(used[name])}/${show(hard[name])}`);
  }
  return [request.join(', '), limit.join(', ')];
}

export const resourcequotas: ResourceDef = {
  group: '',
  version: 'v1',
  resource: 'resourcequotas',
  singular: 'resourcequota',
  kind: 'ResourceQuota',
  namespaced: true,
  shortNames: ['quota'],
  categories: [],
  hasStatus: true,
  tracksGeneration: false,
  deleteReturnsObject: true,
  printer: {
    columns: [
      NAME_COLUMN,
      AGE_COLUMN,
      column('Request', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
      column('Limit', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.'),
    ],
    cells: (rq, now) => [rq.metadata?.name, age(rq.metadata?.creationTimestamp, now), ...quotaColumns(rq)],
  },
  selectableFields: {},
  defaults: defaultResourceQuota,
  // PrepareForCreate: usage is the quota controller's to fill in.
  admit(rq) {
    delete rq.status;
  },
  validate: validateResourceQuota,
  validateUpdate: () => [],
};
