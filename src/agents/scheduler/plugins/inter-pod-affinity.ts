// InterPodAffinity (required terms only): a pod with podAffinity needs, for every term, a matching pod in the same
// topology domain (the first pod of a group may go anywhere its own terms would match it); podAntiAffinity keeps it
// out of domains holding a matching pod; and no existing pod's anti-affinity may match it within that pod's domain.
import type { KubeObject } from '../../../apiserver/index.ts';
import { selectorMatches } from '../../../apiserver/resources/index.ts';
import { arr, o, str } from '../../../apiserver/resources/values.ts';
import { FITS, type CycleState, type Plugin, type Snapshot } from '../framework.ts';
import type { NodeInfo } from '../node-info.ts';

interface Term {
  topologyKey: string;
  matches(pod: KubeObject): boolean;
}

interface Placed {
  pod: KubeObject;
  node: NodeInfo;
}

interface AffinityState {
  /** Placed pods, collected only when the pod has terms of its own. */
  placed: Placed[];
  /** Placed pods with required anti-affinity terms (usually few). */
  guarded: (Placed & { terms: Term[] })[];
  affinity: Term[];
  antiAffinity: Term[];
  /** No pod anywhere matches every affinity term, and the pod matches them itself: it may start the group. */
  mayStartGroup: boolean;
}

function termsOf(pod: KubeObject, kind: 'podAffinity' | 'podAntiAffinity'): Term[] {
  const required = arr(o(o(o(pod.spec).affinity)[kind]).requiredDuringSchedulingIgnoredDuringExecution);
  const own = pod.metadata?.namespace ?? '';
  return required.map((t) => {
    const namespaces = Array.isArray(t.namespaces) && t.namespaces.length > 0 ? (t.namespaces as unknown[]).map(String) : [own];
    return {
      topologyKey: str(t.topologyKey),
      matches: (p: KubeObject) => t.labelSelector !== undefined && t.labelSelector !== null && namespaces.includes(p.metadata?.namespace ?? '') && selectorMatches(t.labelSelector, p.metadata?.labels),
    };
  });
}

function sameDomain(a: NodeInfo, b: NodeInfo, key: string): boolean {
  return Object.hasOwn(a.labels, key) && Object.hasOwn(b.labels, key) && a.labels[key] === b.labels[key];
}

export const interPodAffinity: Plugin = {
  name: 'InterPodAffinity',
  preFilter(pod: KubeObject, snapshot: Snapshot, s: CycleState) {
    const affinity = termsOf(pod, 'podAffinity');
    const antiAffinity = termsOf(pod, 'podAntiAffinity');
    const ownTerms = affinity.length > 0 || antiAffinity.length > 0;
    const placed: Placed[] = [];
    const guarded: AffinityState['guarded'] = [];
    for (const node of snapshot.nodes) {
      for (const p of node.pods.values()) {
        if (p.metadata?.deletionTimestamp !== undefined) continue;
        if (ownTerms) placed.push({ pod: p, node });
        if (o(o(o(p.spec).affinity).podAntiAffinity).requiredDuringSchedulingIgnoredDuringExecution !== undefined) guarded.push({ pod: p, node, terms: termsOf(p, 'podAntiAffinity') });
      }
    }
    const mayStartGroup = affinity.length > 0 && !placed.some((e) => affinity.every((t) => t.matches(e.pod))) && affinity.every((t) => t.matches(pod));
    s.set('InterPodAffinity', { placed, guarded, affinity, antiAffinity, mayStartGroup } satisfies AffinityState);
  },
  filter(pod, node, s) {
    const st = s.get('InterPodAffinity') as AffinityState | undefined;
    if (st === undefined) return FITS;
    for (const e of st.guarded) {
      if (e.terms.some((t) => t.matches(pod) && sameDomain(e.node, node, t.topologyKey))) return ["node(s) didn't satisfy existing pods anti-affinity rules"];
    }
    for (const t of st.affinity) {
      const satisfied = st.placed.some((e) => t.matches(e.pod) && sameDomain(e.node, node, t.topologyKey));
      if (!satisfied && !(st.mayStartGroup && Object.hasOwn(node.labels, t.topologyKey))) return ["node(s) didn't match pod affinity rules"];
    }
    for (const t of st.antiAffinity) {
      if (st.placed.some((e) => t.matches(e.pod) && sameDomain(e.node, node, t.topologyKey))) return ["node(s) didn't match pod anti-affinity rules"];
    }
    return FITS;
  },
};
