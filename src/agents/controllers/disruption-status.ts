// The status the disruption controller writes on a PodDisruptionBudget, field by field as policy/v1 has it, and the
// fail-safe status for a budget it could not compute (no evictions until it can).
import type { KubeObject } from '../../apiserver/index.ts';
import { withDisruptionAllowedCondition } from '../../apiserver/resources/index.ts';
import { o } from '../../apiserver/resources/values.ts';
import { disruptionsAllowed, type Budget } from './disruption-budget.ts';

export interface Counted extends Budget {
  currentHealthy: number;
  disruptedPods: Record<string, string>;
}

/** The full next status (Go's field order; an empty disruptedPods is left out as omitempty does). */
export function pdbStatusOf(pdb: KubeObject, counted: Counted, nowIso: string): Record<string, unknown> {
  const status: Record<string, unknown> = { observedGeneration: pdb.metadata?.generation ?? 0 };
  if (Object.keys(counted.disruptedPods).length > 0) status.disruptedPods = counted.disruptedPods;
  status.disruptionsAllowed = disruptionsAllowed(counted.currentHealthy, counted);
  status.currentHealthy = counted.currentHealthy;
  status.desiredHealthy = counted.desiredHealthy;
  status.expectedPods = counted.expectedPods;
  const conditions = o(pdb.status).conditions;
  if (Array.isArray(conditions)) status.conditions = conditions;
  return withDisruptionAllowedCondition(status, nowIso);
}

/** Kubernetes' failSafe: the old status with no disruptions allowed and a SyncFailed condition saying why. */
export function failSafeStatusOf(pdb: KubeObject, error: string, nowIso: string): Record<string, unknown> {
  return withDisruptionAllowedCondition({ ...o(pdb.status), disruptionsAllowed: 0 }, nowIso, error);
}
