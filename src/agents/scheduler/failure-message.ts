// Why a pod fits nowhere, worded as kube-scheduler's FitError: each reason counted over the nodes it kept out,
// rendered "N reason" and sorted as strings — "0/3 nodes are available: 1 node(s) had untolerated taint {k: v},
// 2 Insufficient cpu."
export const NO_NODES_AVAILABLE = 'no nodes available to schedule pods';

export interface FitFailure {
  nodeCount: number;
  /** reason → how many nodes it applied to. */
  reasons: Map<string, number>;
}

export function fitErrorMessage(failure: FitFailure): string {
  if (failure.nodeCount === 0) return NO_NODES_AVAILABLE;
  const parts = [...failure.reasons].map(([reason, n]) => `${n} ${reason}`).sort();
  return `0/${failure.nodeCount} nodes are available: ${parts.join(', ')}.`;
}
