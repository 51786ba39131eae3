// The default plugin set, in kube-scheduler's filter order (the first failing filter is a node's reason) and with
// its score weights.
import type { WeightedPlugin } from '../framework.ts';
import { balancedAllocation } from './balanced-allocation.ts';
import { interPodAffinity } from './inter-pod-affinity.ts';
import { leastAllocated } from './least-allocated.ts';
import { nodeAffinity } from './node-affinity.ts';
import { nodeName } from './node-name.ts';
import { nodePorts } from './node-ports.ts';
import { nodeResourcesFit } from './node-resources-fit.ts';
import { nodeUnschedulable } from './node-unschedulable.ts';
import { podTopologySpread } from './pod-topology-spread.ts';
import { taintToleration } from './taint-toleration.ts';

export function defaultPlugins(): WeightedPlugin[] {
  return [
    { plugin: nodeUnschedulable, weight: 0 },
    { plugin: nodeName, weight: 0 },
    { plugin: taintToleration, weight: 3 },
    { plugin: nodeAffinity, weight: 2 },
    { plugin: nodePorts, weight: 0 },
    { plugin: nodeResourcesFit, weight: 0 },
    { plugin: podTopologySpread, weight: 2 },
    { plugin: interPodAffinity, weight: 0 },
    { plugin: leastAllocated, weight: 1 },
    { plugin: balancedAllocation, weight: 1 },
  ];
}

export { UNSCHEDULABLE_TAINT } from './node-unschedulable.ts';
