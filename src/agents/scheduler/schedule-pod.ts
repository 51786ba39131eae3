// One scheduling decision, pure: run every plugin's PreFilter, filter each node (the first failing plugin gives the
// node's reasons), score the feasible nodes (normalized, weighted, summed) and pick the best, breaking ties with
// the injected rng as kube-scheduler's reservoir sampling does.
import type { KubeObject } from '../../apiserver/index.ts';
import type { FitFailure } from './failure-message.ts';
import type { CycleState, Snapshot, WeightedPlugin } from './framework.ts';
import type { NodeInfo } from './node-info.ts';

export type ScheduleResult = { node: string; score: number } | { failure: FitFailure };

export function filterNode(pod: KubeObject, node: NodeInfo, plugins: readonly WeightedPlugin[], state: CycleState): readonly string[] {
  for (const { plugin } of plugins) {
    const reasons = plugin.filter?.(pod, node, state) ?? [];
    if (reasons.length > 0) return reasons;
  }
  return [];
}

export function schedulePod(pod: KubeObject, snapshot: Snapshot, plugins: readonly WeightedPlugin[], rng: () => number): ScheduleResult {
  const state: CycleState = new Map();
  for (const { plugin } of plugins) plugin.preFilter?.(pod, snapshot, state);
  const feasible: NodeInfo[] = [];
  const reasons = new Map<string, number>();
  for (const node of snapshot.nodes) {
    const why = filterNode(pod, node, plugins, state);
    if (why.length === 0) feasible.push(node);
    for (const r of why) reasons.set(r, (reasons.get(r) ?? 0) + 1);
  }
  if (feasible.length === 0) return { failure: { nodeCount: snapshot.nodes.length, reasons } };
  if (feasible.length === 1) return { node: feasible[0].name, score: 0 };
  const totals = new Map<string, number>(feasible.map((n) => [n.name, 0]));
  for (const { plugin, weight } of plugins) {
    if (plugin.score === undefined || weight === 0) continue;
    plugin.preScore?.(pod, feasible, snapshot, state);
    const scores = new Map<string, number>();
    for (const node of feasible) scores.set(node.name, plugin.score(pod, node, state));
    plugin.normalize?.(scores, state);
    for (const [name, s] of scores) totals.set(name, (totals.get(name) ?? 0) + s * weight);
  }
  let best = '';
  let bestScore = -Infinity;
  let ties = 0;
  for (const [name, score] of totals) {
    if (score > bestScore) {
      best = name;
      bestScore = score;
      ties = 1;
    } else if (score === bestScore && rng() * ++ties < 1) {
      best = name;
    }
  }
  return { node: best, score: bestScore };
}
