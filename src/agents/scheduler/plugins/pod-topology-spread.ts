// PodTopologySpread: hard constraints (whenUnsatisfiable DoNotSchedule) filter nodes where placing the pod would
// make its domain exceed the least-populated domain by more than maxSkew; soft ones (ScheduleAnyway) score nodes in
// emptier domains higher. Pods without constraints but with a controller are spread softly over nodes among their
// siblings (what the default constraints and SelectorSpread do upstream). Domains come from nodes that match the
// pod's node selector and affinity and carry every constraint's topology key; pods count when in the pod's
// namespace, matching the selector and not being deleted.
import type { KubeObject } from '../../../apiserver/index.ts';
import { selectorMatches } from '../../../apiserver/resources/index.ts';
import { arr, o, str } from '../../../apiserver/resources/values.ts';
import { FITS, normalizeLowerBetter, type CycleState, type Plugin, type Snapshot } from '../framework.ts';
import type { NodeInfo } from '../node-info.ts';
import { podMatchesNodeSelectorAndAffinity } from '../node-selector.ts';

interface Constraint {
  maxSkew: number;
  /** "" for the node itself. */
  topologyKey: string;
  matches(pod: KubeObject): boolean;
}

interface SpreadState {
  hard: Constraint[];
  /** Per hard constraint: domain → matching pods; plus the minimum. */
  counts: { byDomain: Map<string, number>; min: number }[];
  soft: Constraint[];
  softCounts: Map<string, number>[];
}

const HOSTNAME_DEFAULT_SKEW = 3;

function domainOf(node: NodeInfo, key: string): string | undefined {
  if (key === '') return node.name;
  return Object.hasOwn(node.labels, key) ? node.labels[key] : undefined;
}

function constraintsOf(pod: KubeObject, when: string): Constraint[] {
  const namespace = pod.metadata?.namespace ?? '';
  return arr(o(pod.spec).topologySpreadConstraints)
    .filter((c) => str(c.whenUnsatisfiable) === when)
    .map((c) => ({
      maxSkew: typeof c.maxSkew === 'number' ? c.maxSkew : 1,
      topologyKey: str(c.topologyKey),
      matches: (p: KubeObject) => c.labelSelector !== undefined && c.labelSelector !== null && p.metadata?.namespace === namespace && selectorMatches(c.labelSelector, p.metadata?.labels),
    }));
}

function controllerUid(pod: KubeObject): string {
  const ref = arr(pod.metadata?.ownerReferences).find((r) => r.controller === true);
  return ref === undefined ? '' : str(ref.uid);
}

function defaultConstraints(pod: KubeObject): Constraint[] {
  if (arr(o(pod.spec).topologySpreadConstraints).length > 0) return [];
  const uid = controllerUid(pod);
  if (uid === '') return [];
  return [{ maxSkew: HOSTNAME_DEFAULT_SKEW, topologyKey: '', matches: (p) => controllerUid(p) === uid }];
}

function count(constraint: Constraint, nodes: readonly NodeInfo[], keys: readonly string[]): Map<string, number> {
  const byDomain = new Map<string, number>();
  for (const node of nodes) {
    if (keys.some((k) => domainOf(node, k) === undefined)) continue;
    const domain = domainOf(node, constraint.topologyKey) as string;
    let n = byDomain.get(domain) ?? 0;
    for (const p of node.pods.values()) if (p.metadata?.deletionTimestamp === undefined && constraint.matches(p)) n++;
    byDomain.set(domain, n);
  }
  return byDomain;
}

function state(s: CycleState): SpreadState | undefined {
  return s.get('PodTopologySpread') as SpreadState | undefined;
}

export const podTopologySpread: Plugin = {
  name: 'PodTopologySpread',
  preFilter(pod: KubeObject, snapshot: Snapshot, s: CycleState) {
    const hard = constraintsOf(pod, 'DoNotSchedule');
    const eligible = snapshot.nodes.filter((n) => podMatchesNodeSelectorAndAffinity(pod, n.node));
    const keys = hard.map((c) => c.topologyKey);
    const counts = hard.map((c) => {
      const byDomain = count(c, eligible, keys);
      return { byDomain, min: byDomain.size === 0 ? 0 : Math.min(...byDomain.values()) };
    });
    const soft = [...constraintsOf(pod, 'ScheduleAnyway'), ...defaultConstraints(pod)];
    s.set('PodTopologySpread', { hard, counts, soft, softCounts: soft.map((c) => count(c, eligible, [c.topologyKey])) } satisfies SpreadState);
  },
  filter(pod, node, s) {
    const st = state(s);
    if (st === undefined) return FITS;
    for (const [i, c] of st.hard.entries()) {
      const domain = domainOf(node, c.topologyKey);
      if (domain === undefined) return ["node(s) didn't match pod topology spread constraints (missing required label)"];
      const self = c.matches(pod) ? 1 : 0;
      const { byDomain, min } = st.counts[i];
      if ((byDomain.get(domain) ?? 0) + self - min > c.maxSkew) return ["node(s) didn't match pod topology spread constraints"];
    }
    return FITS;
  },
  score(_pod, node, s) {
    const st = state(s);
    if (st === undefined) return 0;
    let total = 0;
    for (const [i, c] of st.soft.entries()) {
      const domain = domainOf(node, c.topologyKey);
      if (domain !== undefined) total += st.softCounts[i].get(domain) ?? 0;
    }
    return total;
  },
  normalize: normalizeLowerBetter,
};
