// authorization.k8s.io/v1 SelfSubjectAccessReview (what `kubectl auth can-i` sends): the caller asks whether it may
// do something; the answer runs the same authorizers on the caller's own identity. Nothing is stored.
import { badRequest } from '../rest/status.ts';
import type { Attributes } from './attributes.ts';
import type { Authorizer } from './decision.ts';
import type { UserInfo } from './user.ts';

export const ACCESS_REVIEW_PATH = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';

interface ReviewSpec {
  resourceAttributes?: { namespace?: string; verb?: string; group?: string; version?: string; resource?: string; subresource?: string; name?: string };
  nonResourceAttributes?: { path?: string; verb?: string };
}

export async function selfSubjectAccessReview(user: UserInfo, body: unknown, authorizer: Authorizer): Promise<Record<string, unknown>> {
  const review = (typeof body === 'object' && body !== null ? body : {}) as { spec?: ReviewSpec };
  const spec = review.spec ?? {};
  const r = spec.resourceAttributes;
  const n = spec.nonResourceAttributes;
  if ((r === undefined) === (n === undefined)) {
    throw badRequest(`SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified`);
  }
  const attrs: Attributes =
    r !== undefined
      ? { user, verb: r.verb ?? '', resourceRequest: true, path: '', apiGroup: r.group ?? '', apiVersion: r.version ?? '', resource: r.resource ?? '', subresource: r.subresource ?? '', namespace: r.namespace ?? '', name: r.name ?? '' }
      : { user, verb: n?.verb ?? '', resourceRequest: false, path: n?.path ?? '', apiGroup: '', apiVersion: '', resource: '', subresource: '', namespace: '', name: '' };
  const decision = await authorizer.authorize(attrs);
  const status: Record<string, unknown> = { allowed: decision.verdict === 'allow' };
  if (decision.verdict === 'deny') status.denied = true;
  if (decision.reason !== '') status.reason = decision.reason;
  return { kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null }, spec, status };
}

export const RULES_REVIEW_PATH = '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews';

/** SelfSubjectRulesReview (`kubectl auth can-i --list`): the caller's rules in one namespace, as the authorizers list them. */
export async function selfSubjectRulesReview(user: UserInfo, body: unknown, authorizer: Authorizer): Promise<Record<string, unknown>> {
  const review = (typeof body === 'object' && body !== null ? body : {}) as { spec?: { namespace?: string } };
  const namespace = review.spec?.namespace ?? '';
  if (namespace === '') throw badRequest('no namespace on request');
  const rules = (await authorizer.rulesFor?.(user, namespace)) ?? { resourceRules: [], nonResourceRules: [], incomplete: true };
  return {
    kind: 'SelfSubjectRulesReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec: { namespace },
    status: {
      resourceRules: rules.resourceRules,
      nonResourceRules: rules.nonResourceRules,
      incomplete: rules.incomplete,
      // One error as it is, several as Go's error aggregate prints them.
      ...(rules.evaluationErrors === undefined ? {} : { evaluationError: rules.evaluationErrors.length === 1 ? rules.evaluationErrors[0] : `[${rules.evaluationErrors.join(', ')}]` }),
    },
  };
}
