// rbac.authorization.k8s.io/v1: Role, ClusterRole, RoleBinding, ClusterRoleBinding, served as ordinary stored kinds.
// Names are path segments ("system:node"), as Kubernetes allows for RBAC objects. Rules and bindings are checked
// with Kubernetes' messages; the authorizer that reads them is src/apiserver/auth/.
import type { KubeObject } from '../types.ts';
import { cause, type StatusCause } from '../rest/status.ts';
import { AGE_COLUMN, age, column, NAME_COLUMN } from '../rest/table.ts';
import { noDefaults, type ResourceDef } from './resource-def.ts';
import { arr, o, str } from './values.ts';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

const CREATED_AT_COLUMN = column('Created At', 'CreationTimestamp', { format: 'date' });

function validateRules(obj: KubeObject, namespaced: boolean): StatusCause[] {
  const causes: StatusCause[] = [];
  arr(obj.rules).forEach((rule, i) => {
    const f = `rules[${i}]`;
    const nonResource = Array.isArray(rule.nonResourceURLs) && rule.nonResourceURLs.length > 0;
    if (!Array.isArray(rule.verbs) || rule.verbs.length === 0) causes.push(cause.required(`${f}.verbs`, 'verbs must contain at least one value'));
    if (nonResource && namespaced) causes.push(cause.invalid(`${f}.nonResourceURLs`, rule.nonResourceURLs, 'namespaced rules cannot apply to non-resource URLs'));
    if (nonResource && (arr(rule.apiGroups).length > 0 || arr(rule.resources).length > 0)) {
      causes.push(cause.invalid(`${f}.nonResourceURLs`, rule.nonResourceURLs, 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    if (!nonResource) {
      if (!Array.isArray(rule.apiGroups) || rule.apiGroups.length === 0) causes.push(cause.required(`${f}.apiGroups`, 'resource rules must supply at least one api group'));
      if (!Array.isArray(rule.resources) || rule.resources.length === 0) causes.push(cause.required(`${f}.resources`, 'resource rules must supply at least one resource'));
    }
  });
  return causes;
}

const SUBJECT_KINDS = ['ServiceAccount', 'User', 'Group'];

function validateBinding(obj: KubeObject, namespaced: boolean): StatusCause[] {
  const causes: StatusCause[] = [];
  const ref = o(obj.roleRef);
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (str(ref.apiGroup) !== RBAC_GROUP) causes.push(cause.notSupported('roleRef.apiGroup', ref.apiGroup ?? '', [RBAC_GROUP]));
  if (!kinds.includes(str(ref.kind))) causes.push(cause.notSupported('roleRef.kind', ref.kind ?? '', kinds));
  if (str(ref.name) === '') causes.push(cause.required('roleRef.name'));
  arr(obj.subjects).forEach((s, i) => {
    const f = `subjects[${i}]`;
    if (!SUBJECT_KINDS.includes(str(s.kind))) causes.push(cause.notSupported(`${f}.kind`, s.kind ?? '', SUBJECT_KINDS));
    if (str(s.name) === '') causes.push(cause.required(`${f}.name`));
    if (s.kind === 'ServiceAccount' && !namespaced && str(s.namespace) === '') causes.push(cause.required(`${f}.namespace`));
  });
  return causes;
}

/** A binding's roleRef cannot change: a new binding is made instead. */
function roleRefUnchanged(next: KubeObject, old: KubeObject): StatusCause[] {
  return JSON.stringify(o(next.roleRef)) === JSON.stringify(o(old.roleRef)) ? [] : [cause.invalid('roleRef', next.roleRef, 'cannot change roleRef')];
}

/** A ServiceAccount subject of a RoleBinding defaults to the binding's namespace. */
function defaultSubjectNamespaces(obj: KubeObject): void {
  for (const s of arr(obj.subjects)) {
    if (s.kind === 'ServiceAccount' && str(s.namespace) === '') s.namespace = obj.metadata?.namespace ?? '';
    if ((s.kind === 'User' || s.kind === 'Group') && s.apiGroup === undefined) s.apiGroup = RBAC_GROUP;
  }
}

function subjectsOf(obj: KubeObject, kind: string): string {
  return arr(obj.subjects)
    .filter((s) => s.kind === kind)
    .map((s) => (kind === 'ServiceAccount' ? `${str(s.namespace)}/${str(s.name)}` : str(s.name)))
    .join(', ');
}

const BINDING_PRINTER = {
  columns: [
    NAME_COLUMN,
    column('Role', 'RoleRef'),
    AGE_COLUMN,
    column('Users', 'Users in the binding', { priority: 1 }),
    column('Groups', 'Groups in the binding', { priority: 1 }),
    column('ServiceAccounts', 'ServiceAccounts in the binding', { priority: 1 }),
  ],
  cells: (b: KubeObject, now: Date) => [
    b.metadata?.name,
    `${str(o(b.roleRef).kind)}/${str(o(b.roleRef).name)}`,
    age(b.metadata?.creationTimestamp, now),
    subjectsOf(b, 'User'),
    subjectsOf(b, 'Group'),
    subjectsOf(b, 'ServiceAccount'),
  ],
};

const ROLE_PRINTER = {
  columns: [NAME_COLUMN, CREATED_AT_COLUMN],
  cells: (r: KubeObject) => [r.metadata?.name, r.metadata?.creationTimestamp],
};

const common = {
  group: RBAC_GROUP,
  version: 'v1',
  shortNames: [],
  categories: [],
  hasStatus: false,
  tracksGeneration: false,
  deleteReturnsObject: false,
  nameRule: 'path',
  selectableFields: {},
} as const;

export const roles: ResourceDef = {
  ...common,
  resource: 'roles',
  singular: 'role',
  kind: 'Role',
  namespaced: true,
  printer: ROLE_PRINTER,
  defaults: noDefaults,
  validate: (r) => validateRules(r, true),
  validateUpdate: () => [],
};

export const clusterroles: ResourceDef = {
  ...common,
  resource: 'clusterroles',
  singular: 'clusterrole',
  kind: 'ClusterRole',
  namespaced: false,
  printer: ROLE_PRINTER,
  defaults: noDefaults,
  validate: (r) => validateRules(r, false),
  validateUpdate: () => [],
};

export const rolebindings: ResourceDef = {
  ...common,
  resource: 'rolebindings',
  singular: 'rolebinding',
  kind: 'RoleBinding',
  namespaced: true,
  printer: BINDING_PRINTER,
  defaults: defaultSubjectNamespaces,
  validate: (b) => validateBinding(b, true),
  validateUpdate: roleRefUnchanged,
};

export const clusterrolebindings: ResourceDef = {
  ...common,
  resource: 'clusterrolebindings',
  singular: 'clusterrolebinding',
  kind: 'ClusterRoleBinding',
  namespaced: false,
  printer: BINDING_PRINTER,
  defaults: defaultSubjectNamespaces,
  validate: (b) => validateBinding(b, false),
  validateUpdate: roleRefUnchanged,
};
