// What the eviction subresource and the disruption controller must agree on about a PodDisruptionBudget: which pods
// it covers, and how its DisruptionAllowed condition follows status.disruptionsAllowed.
import type { KubeObject } from '../../types.ts';
import { selectorMatches } from '../label-selector.ts';
import { o } from '../values.ts';

export const DISRUPTION_ALLOWED = 'DisruptionAllowed';

/**
 * policy/v1 semantics: a missing (null) selector covers no pods, an empty one `{}` covers every pod of the namespace
 * (policy/v1beta1 differed; only v1 is served here).
 */
export function pdbSelectsPod(pdb: KubeObject, podLabels: unknown): boolean {
  const selector = o(pdb.spec).selector;
  if (selector === undefined || selector === null) return false;
  return selectorMatches(selector, podLabels);
}

interface Condition {
  type: string;
  status: string;
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

/**
 * `status` with its DisruptionAllowed condition set from disruptionsAllowed (True/SufficientPods when positive,
 * False/InsufficientPods otherwise) at status.observedGeneration. As metav1's SetStatusCondition, the transition
 * time moves only when the condition's status flips; other conditions are kept as they are. A `syncError` (the
 * controller could not compute the budget) makes it False/SyncFailed with that message.
 */
export function withDisruptionAllowedCondition(status: Record<string, unknown>, nowIso: string, syncError?: string): Record<string, unknown> {
  const allowed = typeof status.disruptionsAllowed === 'number' ? status.disruptionsAllowed : 0;
  const generation = typeof status.observedGeneration === 'number' ? status.observedGeneration : 0;
  const conditions = (Array.isArray(status.conditions) ? status.conditions : []) as Condition[];
  const previous = conditions.find((c) => c.type === DISRUPTION_ALLOWED);
  const state = allowed > 0 && syncError === undefined ? 'True' : 'False';
  // Field order as Go writes metav1.Condition, so an unchanged status compares equal as JSON.
  const next: Condition = {
    type: DISRUPTION_ALLOWED,
    status: state,
    ...(generation > 0 ? { observedGeneration: generation } : {}),
    lastTransitionTime: previous !== undefined && previous.status === state ? previous.lastTransitionTime : nowIso,
    reason: syncError !== undefined ? 'SyncFailed' : state === 'True' ? 'SufficientPods' : 'InsufficientPods',
    message: syncError ?? '',
  };
  const kept = conditions.filter((c) => c.type !== DISRUPTION_ALLOWED);
  return { ...status, conditions: previous === undefined ? [...kept, next] : conditions.map((c) => (c.type === DISRUPTION_ALLOWED ? next : c)) };
}
