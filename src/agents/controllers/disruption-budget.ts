// The arithmetic of a PodDisruptionBudget, as kube-controller-manager's disruption controller does it: how many pods
// are expected, how many must stay healthy, how many are healthy now, and so how many may be disrupted. Pure: the
// caller finds the pods and the owning controllers' scale.
import type { KubeObject } from '../../apiserver/index.ts';
import { o } from '../../apiserver/resources/values.ts';
import { assert } from '../../raft/assert.ts';
import { isPodReady } from './common/pods.ts';

/** How long an eviction's entry in status.disruptedPods keeps its pod out of the healthy count (Kubernetes: 2 min). */
export const DELETION_TIMEOUT_MS = 120_000;

type IntOrPercent = number | string;

/** A budget that cannot be computed (a bound that is not a percentage, an owner without a scale): fail safe. */
export class BudgetError extends Error {
  override name = 'BudgetError';
}

export interface BudgetSpec {
  minAvailable?: IntOrPercent;
  maxUnavailable?: IntOrPercent;
}

export function budgetSpecOf(pdb: KubeObject): BudgetSpec {
  const spec = o(pdb.spec);
  const bound = (v: unknown): IntOrPercent | undefined => (typeof v === 'number' || typeof v === 'string' ? v : undefined);
  return { minAvailable: bound(spec.minAvailable), maxUnavailable: bound(spec.maxUnavailable) };
}

/** A count, or a percentage of `total` rounded up (the rounding PDBs use for both bounds). */
export function scaledValue(value: IntOrPercent, total: number): number {
  assert(Number.isInteger(total) && total >= 0, 'total is a count');
  if (typeof value === 'number') return value;
  const m = /^([0-9]+)%$/.exec(value);
  if (m === null) throw new BudgetError('invalid value for IntOrString: invalid type: string is not a percentage');
  return Math.ceil((Number(m[1]) * total) / 100);
}

/**
 * Percentages and maxUnavailable are taken of the controllers' scale (sum of their replicas); an integer
 * minAvailable needs only the pods that exist.
 */
export function needsControllerScale(spec: BudgetSpec): boolean {
  return spec.maxUnavailable !== undefined || typeof spec.minAvailable === 'string';
}

export interface Budget {
  expectedPods: number;
  desiredHealthy: number;
}

/** `controllerScale` is read only when needsControllerScale(spec). */
export function budgetOf(spec: BudgetSpec, podCount: number, controllerScale: number): Budget {
  if (spec.maxUnavailable !== undefined) {
    const expectedPods = controllerScale;
    return { expectedPods, desiredHealthy: Math.max(0, expectedPods - scaledValue(spec.maxUnavailable, expectedPods)) };
  }
  if (typeof spec.minAvailable === 'number') return { expectedPods: podCount, desiredHealthy: spec.minAvailable };
  if (typeof spec.minAvailable === 'string') return { expectedPods: controllerScale, desiredHealthy: scaledValue(spec.minAvailable, controllerScale) };
  return { expectedPods: 0, desiredHealthy: 0 };
}

/**
 * Never positive while no pods are expected: a budget whose first pods just appeared must not allow evictions
 * before this controller has counted them.
 */
export function disruptionsAllowed(currentHealthy: number, budget: Budget): number {
  if (budget.expectedPods <= 0) return 0;
  return Math.max(0, currentHealthy - budget.desiredHealthy);
}

export interface DisruptedPods {
  /** The status.disruptedPods entries that still count: pod name → eviction time. */
  kept: Record<string, string>;
  /** When the earliest kept entry expires (ms from now), to look again then. */
  recheckInMs?: number;
}

/**
 * Entries for pods that are gone or already being deleted are dropped (the eviction happened); so are entries older
 * than DELETION_TIMEOUT_MS (the eviction never led to a deletion, so the pod counts again).
 */
export function liveDisruptedPods(pods: readonly KubeObject[], disrupted: Record<string, string>, nowMs: number): DisruptedPods {
  const out: DisruptedPods = { kept: {} };
  for (const pod of pods) {
    const name = pod.metadata?.name ?? '';
    const at = disrupted[name];
    if (at === undefined || pod.metadata?.deletionTimestamp !== undefined) continue;
    const expiresInMs = Date.parse(at) + DELETION_TIMEOUT_MS - nowMs;
    if (!(expiresInMs > 0)) continue;
    out.kept[name] = at;
    if (out.recheckInMs === undefined || expiresInMs < out.recheckInMs) out.recheckInMs = expiresInMs;
  }
  return out;
}

/** Ready pods that are neither being deleted nor just evicted. */
export function countHealthy(pods: readonly KubeObject[], kept: Record<string, string>): number {
  return pods.filter((p) => p.metadata?.deletionTimestamp === undefined && kept[p.metadata?.name ?? ''] === undefined && isPodReady(p)).length;
}
