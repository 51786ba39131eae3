// The scheduling framework, as kube-scheduler's: plugins with optional extension points. PreFilter computes what a
// pod's filters share once per cycle; Filter says why a node cannot take the pod (a reason, the text Kubernetes
// counts in "0/3 nodes are available: …"); Score ranks the feasible nodes, then NormalizeScore maps a plugin's
// scores onto 0–100 before they are weighted and summed.
import type { KubeObject } from '../../apiserver/index.ts';
import type { NodeInfo } from './node-info.ts';

/** What one scheduling cycle works on: every node with its pods, including assumed ones. */
export interface Snapshot {
  nodes: readonly NodeInfo[];
  get(name: string): NodeInfo | undefined;
}

/** Per-cycle scratch space, keyed by plugin name. */
export type CycleState = Map<string, unknown>;

export const MAX_NODE_SCORE = 100;
export const FITS: readonly string[] = [];

export interface Plugin {
  readonly name: string;
  preFilter?(pod: KubeObject, snapshot: Snapshot, state: CycleState): void;
  /** Empty: the node fits; else the reasons it does not (one node may lack both cpu and memory). */
  filter?(pod: KubeObject, node: NodeInfo, state: CycleState): readonly string[];
  preScore?(pod: KubeObject, feasible: readonly NodeInfo[], snapshot: Snapshot, state: CycleState): void;
  score?(pod: KubeObject, node: NodeInfo, state: CycleState): number;
  /** Rewrites the scores (node name → score) onto 0..MAX_NODE_SCORE. */
  normalize?(scores: Map<string, number>, state: CycleState): void;
}

export interface WeightedPlugin {
  plugin: Plugin;
  /** Weight of its score; 0 leaves the score out. */
  weight: number;
}

/** Scores where more is better, scaled so the best node gets MAX_NODE_SCORE. */
export function normalizeHigherBetter(scores: Map<string, number>): void {
  const max = Math.max(0, ...scores.values());
  for (const [k, v] of scores) scores.set(k, max === 0 ? 0 : Math.floor((v * MAX_NODE_SCORE) / max));
}

/** Counts where fewer is better: the node with the fewest gets MAX_NODE_SCORE, the most 0 (all equal: all max). */
export function normalizeLowerBetter(scores: Map<string, number>): void {
  const max = Math.max(0, ...scores.values());
  for (const [k, v] of scores) scores.set(k, max === 0 ? MAX_NODE_SCORE : Math.floor(((max - v) * MAX_NODE_SCORE) / max));
}
