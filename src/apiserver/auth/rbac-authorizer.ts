// RBAC: a request is allowed when some ClusterRoleBinding, or some RoleBinding in the request's namespace, names the
// user (or one of its groups, or its service account) and refers to a role with a rule that covers the request.
// Anything else is "no opinion", which denies at the end of the chain. Policy objects come from a PolicySource
// (the watch caches of the RBAC registries in the server).
import type { KubeObject } from '../types.ts';
import type { Attributes } from './attributes.ts';
import { allow, noOpinion, noRules, type Authorizer, type Decision, type RuleSet } from './decision.ts';
import { ruleAllows, subjectMatches, type PolicyRule, type Subject } from './rbac-rules.ts';
import type { UserInfo } from './user.ts';

export interface PolicySource {
  clusterRoleBindings(): Promise<readonly KubeObject[]>;
  roleBindings(namespace: string): Promise<readonly KubeObject[]>;
  clusterRole(name: string): Promise<KubeObject | undefined>;
  role(namespace: string, name: string): Promise<KubeObject | undefined>;
}

interface RoleRef {
  kind?: string;
  name?: string;
}

export class RbacAuthorizer implements Authorizer {
  constructor(private readonly policy: PolicySource) {}

  async authorize(a: Attributes): Promise<Decision> {
    for (const binding of await this.policy.clusterRoleBindings()) {
      if (await this.bindingAllows(binding, '', a)) return allow(`RBAC: allowed by ClusterRoleBinding "${binding.metadata?.name ?? ''}"`);
    }
    if (a.resourceRequest && a.namespace !== '') {
      for (const binding of await this.policy.roleBindings(a.namespace)) {
        if (await this.bindingAllows(binding, a.namespace, a)) return allow(`RBAC: allowed by RoleBinding "${binding.metadata?.name ?? ''}/${a.namespace}"`);
      }
    }
    return noOpinion();
  }

  /** The rules of every binding that names the user: cluster-wide ones, then the namespace's. */
  async rulesFor(user: UserInfo, namespace: string): Promise<RuleSet> {
    const rules: PolicyRule[] = [];
    for (const binding of await this.policy.clusterRoleBindings()) rules.push(...(await this.boundRules(binding, '', user)));
    if (namespace !== '') for (const binding of await this.policy.roleBindings(namespace)) rules.push(...(await this.boundRules(binding, namespace, user)));
    const set = noRules();
    for (const r of rules) {
      if ((r.nonResourceURLs ?? []).length > 0) set.nonResourceRules.push({ verbs: r.verbs ?? [], nonResourceURLs: r.nonResourceURLs ?? [] });
      if ((r.resources ?? []).length > 0) {
        set.resourceRules.push({ verbs: r.verbs ?? [], apiGroups: r.apiGroups ?? [], resources: r.resources ?? [], ...((r.resourceNames ?? []).length > 0 ? { resourceNames: r.resourceNames } : {}) });
      }
    }
    return set;
  }

  private async bindingAllows(binding: KubeObject, namespace: string, a: Attributes): Promise<boolean> {
    return (await this.boundRules(binding, namespace, a.user)).some((r) => ruleAllows(r, a));
  }

  /** The rules of the binding's role when it names `user`; none otherwise. */
  private async boundRules(binding: KubeObject, namespace: string, user: UserInfo): Promise<PolicyRule[]> {
    const subjects = (binding.subjects ?? []) as Subject[];
    if (!subjects.some((s) => subjectMatches(s, user, namespace))) return [];
    const ref = (binding.roleRef ?? {}) as RoleRef;
    const role = ref.kind === 'ClusterRole' ? await this.policy.clusterRole(ref.name ?? '') : ref.kind === 'Role' && namespace !== '' ? await this.policy.role(namespace, ref.name ?? '') : undefined;
    return (role?.rules ?? []) as PolicyRule[];
  }
}

/** A PolicySource over a fixed set of objects (tests, and the bootstrap policy before the store is up). */
export function staticPolicy(objects: readonly KubeObject[]): PolicySource {
  const of = (kind: string) => objects.filter((o) => o.kind === kind);
  return {
    clusterRoleBindings: async () => of('ClusterRoleBinding'),
    roleBindings: async (ns) => of('RoleBinding').filter((b) => b.metadata?.namespace === ns),
    clusterRole: async (name) => of('ClusterRole').find((r) => r.metadata?.name === name),
    role: async (ns, name) => of('Role').find((r) => r.metadata?.namespace === ns && r.metadata?.name === name),
  };
}
