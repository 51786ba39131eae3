// RBAC's matching rules (rbac.authorization.k8s.io/v1 PolicyRule and Subject), pure functions over parsed objects.
import { resourceWithSubresource, type Attributes } from './attributes.ts';
import type { UserInfo } from './user.ts';

export interface PolicyRule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface Subject {
  kind?: string;
  name?: string;
  namespace?: string;
}

const has = (list: readonly string[] | undefined, value: string): boolean => (list ?? []).some((v) => v === '*' || v === value);

export function ruleAllows(rule: PolicyRule, a: Attributes): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (!a.resourceRequest) return nonResourceUrlMatches(rule.nonResourceURLs ?? [], a.path);
  if (!has(rule.apiGroups, a.apiGroup)) return false;
  if (!resourceMatches(rule.resources ?? [], a)) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || (a.name !== '' && names.includes(a.name));
}

/** "*", the exact "resource" or "resource/subresource", or "*\/subresource" for any resource's subresource. */
function resourceMatches(resources: readonly string[], a: Attributes): boolean {
  const combined = resourceWithSubresource(a);
  return resources.some((r) => r === '*' || r === combined || (a.subresource !== '' && r === `*/${a.subresource}`));
}

/** Exact paths, or a prefix ending in "*". */
function nonResourceUrlMatches(urls: readonly string[], path: string): boolean {
  return urls.some((u) => u === '*' || u === path || (u.endsWith('*') && path.startsWith(u.slice(0, -1))));
}

/** `bindingNamespace` defaults a ServiceAccount subject without a namespace (RoleBindings). */
export function subjectMatches(subject: Subject, user: UserInfo, bindingNamespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return subject.name === user.name;
    case 'Group':
      return subject.name !== undefined && user.groups.includes(subject.name);
    case 'ServiceAccount':
      return user.name === `system:serviceaccount:${subject.namespace || bindingNamespace}:${subject.name ?? ''}`;
    default:
      return false;
  }
}
