// Authorizers answer allow, deny or no opinion, with a reason that reaches the Forbidden message. A chain asks each
// in turn (kube-apiserver's union authorizer): the first allow or deny wins; no opinion from all of them denies.
import type { Attributes } from './attributes.ts';
import { MASTERS_GROUP, type UserInfo } from './user.ts';

export type Verdict = 'allow' | 'deny' | 'no-opinion';

export interface Decision {
  verdict: Verdict;
  reason: string;
}

export interface ResourceRule {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
  resourceNames?: string[];
}

export interface NonResourceRule {
  verbs: string[];
  nonResourceURLs: string[];
}

/** What a user may do in a namespace, as far as an authorizer can list it (SelfSubjectRulesReview). */
export interface RuleSet {
  resourceRules: ResourceRule[];
  nonResourceRules: NonResourceRule[];
  /** Some authorizer decides by more than rules it can list (the Node authorizer, webhooks). */
  incomplete: boolean;
  /** Why, when incomplete (kubectl prints it after "the list may be incomplete"). */
  evaluationErrors?: string[];
}

export interface Authorizer {
  authorize(attrs: Attributes): Promise<Decision>;
  /** The rules behind its decisions for `user` in `namespace`; absent: it lists none. */
  rulesFor?(user: UserInfo, namespace: string): Promise<RuleSet>;
}

export const noRules = (incomplete = false): RuleSet => ({ resourceRules: [], nonResourceRules: [], incomplete });

/** Everything, as cluster-admin's rules read. */
export const allRules = (): RuleSet => ({
  resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
  nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
  incomplete: false,
});

export const allow = (reason = ''): Decision => ({ verdict: 'allow', reason });
export const noOpinion = (reason = ''): Decision => ({ verdict: 'no-opinion', reason });

export const alwaysAllow: Authorizer = { authorize: async () => allow(), rulesFor: async () => allRules() };

/** system:masters may do anything, before any other authorizer is asked. */
export const mastersAuthorizer: Authorizer = {
  authorize: async (a) => (a.user.groups.includes(MASTERS_GROUP) ? allow() : noOpinion()),
  // As kube-apiserver's superuser bypass, it lists no rules: a master's come from the cluster-admin binding.
  rulesFor: async () => noRules(),
};

export function chain(authorizers: readonly Authorizer[]): Authorizer {
  return {
    async authorize(attrs) {
      const reasons: string[] = [];
      for (const authorizer of authorizers) {
        const d = await authorizer.authorize(attrs);
        if (d.verdict !== 'no-opinion') return d;
        if (d.reason !== '') reasons.push(d.reason);
      }
      return noOpinion(reasons.join(', '));
    },
    async rulesFor(user, namespace) {
      const all = noRules();
      for (const authorizer of authorizers) {
        const r = (await authorizer.rulesFor?.(user, namespace)) ?? noRules(true);
        all.resourceRules.push(...r.resourceRules);
        all.nonResourceRules.push(...r.nonResourceRules);
        all.incomplete ||= r.incomplete;
        if (r.evaluationErrors !== undefined) (all.evaluationErrors ??= []).push(...r.evaluationErrors);
      }
      return all;
    },
  };
}
