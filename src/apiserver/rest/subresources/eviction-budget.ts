// The PodDisruptionBudget side of an eviction, as kube-apiserver decides it from the budget's status (kept by the
// disruption controller): which budget covers the pod, whether an unready pod may go without spending the budget,
// and the check-and-decrement that records the eviction in status.disruptedPods before the pod is deleted.
import type { KubeObject } from '../../types.ts';
import { pdbSelectsPod, withDisruptionAllowedCondition } from '../../resources/index.ts';
import { o } from '../../resources/values.ts';
import { assert } from '../../../raft/assert.ts';
import { nowTimestamp, type ResourceRegistry } from '../registry.ts';
import { ApiError, forbidden, internalError, tooManyRequests } from '../status.ts';

export const VIOLATES_BUDGET = "Cannot evict pod as it would violate the pod's disruption budget.";
const MORE_THAN_ONE_BUDGET = 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.';
/** Evictions the controller has not yet confirmed, at most (Kubernetes' MaxDisruptedPodSize). */
const DISRUPTED_PODS_MAX = 2000;
/** Conflicting writers of the budget's status (other evictions, the controller) are retried this often. */
export const EVICTION_ATTEMPTS_MAX = 20;

const PDB_RESOURCE = { group: 'policy', resource: 'poddisruptionbudget' };
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/** The pod's budget, or undefined; a pod under two budgets cannot be evicted (500, as Kubernetes answers). */
export async function budgetCovering(pdbs: ResourceRegistry, pod: KubeObject): Promise<KubeObject | undefined> {
  const namespace = pod.metadata?.namespace ?? '';
  const covering = (await pdbs.list(namespace, {})).items.filter((pdb) => pdbSelectsPod(pdb, pod.metadata?.labels));
  if (covering.length > 1) throw internalError(new Error(MORE_THAN_ONE_BUDGET));
  return covering[0];
}

/**
 * An unready pod does not count as healthy, so evicting it spends nothing: allowed when the budget is met anyway
 * (IfHealthyBudget, the default) or whatever the budget says (AlwaysAllow).
 */
export function unhealthyPodMayGo(pdb: KubeObject): boolean {
  if (o(pdb.spec).unhealthyPodEvictionPolicy === 'AlwaysAllow') return true;
  const status = o(pdb.status);
  return num(status.currentHealthy) >= num(status.desiredHealthy) && num(status.desiredHealthy) > 0;
}

/** The budget's next status with one disruption spent on `podName`; throws the 429/403 Kubernetes answers. */
export function spendDisruption(pdb: KubeObject, podName: string, nowIso: string): Record<string, unknown> {
  const name = pdb.metadata?.name ?? '';
  const status = o(pdb.status);
  const allowed = num(status.disruptionsAllowed);
  if (num(status.observedGeneration) < num(pdb.metadata?.generation)) {
    throw tooManyRequests(VIOLATES_BUDGET, [{ reason: 'DisruptionBudget', message: `The disruption budget ${name} is still being processed by the server.`, field: '' }]);
  }
  if (allowed < 0) throw forbidden(PDB_RESOURCE, name, 'pdb disruptions allowed is negative');
  const disrupted = o(status.disruptedPods);
  if (Object.keys(disrupted).length > DISRUPTED_PODS_MAX) throw forbidden(PDB_RESOURCE, name, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller');
  if (allowed === 0) {
    const message = `The disruption budget ${name} needs ${num(status.desiredHealthy)} healthy pods and has ${num(status.currentHealthy)} currently`;
    throw tooManyRequests(VIOLATES_BUDGET, [{ reason: 'DisruptionBudget', message, field: '' }]);
  }
  const next = { ...status, disruptionsAllowed: allowed - 1, disruptedPods: { ...disrupted, [podName]: nowIso } };
  return allowed - 1 === 0 ? withDisruptionAllowedCondition(next, nowIso) : next;
}

/**
 * Spends one disruption of the budget on `podName` and records it in the budget's status, re-reading the budget on
 * a conflicting write. A dry run checks and writes nothing.
 */
export async function checkAndDecrement(pdbs: ResourceRegistry, pdb: KubeObject, podName: string, dryRun: boolean): Promise<void> {
  let current = pdb;
  for (let attempt = 1; ; attempt++) {
    const status = spendDisruption(current, podName, nowTimestamp());
    if (dryRun) return;
    const meta = current.metadata ?? {};
    assert(meta.resourceVersion !== undefined && meta.resourceVersion !== '', 'a stored budget has a resourceVersion (the write is conditional on it)');
    try {
      await pdbs.update(meta.namespace ?? '', meta.name ?? '', { ...current, status }, 'status');
      return;
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === 'Conflict') || attempt >= EVICTION_ATTEMPTS_MAX) throw err;
    }
    current = await pdbs.get(meta.namespace ?? '', meta.name ?? '');
  }
}
