// BalancedAllocation: prefers nodes whose cpu and memory would be used in equal proportion after placing the pod:
// (1 - standard deviation of the fractions) × 100; with two resources the deviation is half their difference.
import { MAX_NODE_SCORE, type Plugin } from '../framework.ts';
import { requestedFractions } from './least-allocated.ts';

export const balancedAllocation: Plugin = {
  name: 'NodeResourcesBalancedAllocation',
  score(pod, node) {
    const f = requestedFractions(pod, node);
    return Math.floor((1 - Math.abs(f.cpu - f.memory) / 2) * MAX_NODE_SCORE);
  },
};
