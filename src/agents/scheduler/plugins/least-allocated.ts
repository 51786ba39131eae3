// LeastAllocated (NodeResourcesFit's default scoring): prefers nodes with the most free cpu and memory after
// placing the pod, each as (allocatable - requested) / allocatable × 100, averaged. Non-zero requests are used so
// pods that ask for nothing still spread.
import type { KubeObject } from '../../../apiserver/index.ts';
import { MAX_NODE_SCORE, type Plugin } from '../framework.ts';
import type { NodeInfo } from '../node-info.ts';
import { nonZeroRequests } from '../pod-resources.ts';

/** Fractions of cpu and memory the node would have requested with the pod on it. */
export function requestedFractions(pod: KubeObject, node: NodeInfo): { cpu: number; memory: number } {
  const add = nonZeroRequests(pod);
  const fraction = (requested: number, allocatable: number): number => (allocatable <= 0 ? 1 : Math.min(1, requested / allocatable));
  return {
    cpu: fraction(node.nonZeroRequested.cpu + add.cpu, node.allocatable.get('cpu') ?? 0),
    memory: fraction(node.nonZeroRequested.memory + add.memory, node.allocatable.get('memory') ?? 0),
  };
}

export const leastAllocated: Plugin = {
  name: 'NodeResourcesLeastAllocated',
  score(pod, node) {
    const f = requestedFractions(pod, node);
    return Math.floor((((1 - f.cpu) + (1 - f.memory)) / 2) * MAX_NODE_SCORE);
  },
};
