// Authorizers answer allow, deny or no opinion, with a reason that reaches the Forbidden message. A chain asks each
// in turn (kube-apiserver's union authorizer): the first allow or deny wins; no opinion from all of them denies.
import type { Attributes } from './attributes.ts';
import { MASTERS_GROUP } from './user.ts';

export type Verdict = 'allow' | 'deny' | 'no-opinion';

export interface Decision {
  verdict: Verdict;
  reason: string;
}

export interface Authorizer {
  authorize(attrs: Attributes): Promise<Decision>;
}

export const allow = (reason = ''): Decision => ({ verdict: 'allow', reason });
export const noOpinion = (reason = ''): Decision => ({ verdict: 'no-opinion', reason });

export const alwaysAllow: Authorizer = { authorize: async () => allow() };

/** system:masters may do anything, before any other authorizer is asked. */
export const mastersAuthorizer: Authorizer = {
  authorize: async (a) => (a.user.groups.includes(MASTERS_GROUP) ? allow() : noOpinion()),
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
  };
}
