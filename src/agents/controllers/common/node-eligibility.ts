// Whether a pod template may run on a node, as the DaemonSet controller decides it: nodeSelector, required node
// affinity (label expressions and metadata.name fields), and NoSchedule/NoExecute taints against the tolerations.
import type { KubeObject } from '../../../apiserver/index.ts';

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}

interface Taint {
  key: string;
  value?: string;
  effect: string;
}

interface SelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

interface NodeSelectorTerm {
  matchExpressions?: SelectorRequirement[];
  matchFields?: SelectorRequirement[];
}

type PodSpec = { nodeSelector?: Record<string, string>; tolerations?: Toleration[]; affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] } } } };

function requirementMatches(r: SelectorRequirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
      return value !== undefined && Number(value) > Number(values[0]);
    case 'Lt':
      return value !== undefined && Number(value) < Number(values[0]);
    default:
      return false;
  }
}

function termMatches(term: NodeSelectorTerm, node: KubeObject): boolean {
  const labels = node.metadata?.labels ?? {};
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  return exprs.every((r) => requirementMatches(r, labels[r.key])) && fields.every((r) => r.key === 'metadata.name' && requirementMatches(r, node.metadata?.name));
}

export function tolerates(tolerations: readonly Toleration[], taint: Taint): boolean {
  return tolerations.some((t) => {
    if (t.effect !== undefined && t.effect !== '' && t.effect !== taint.effect) return false;
    if (t.operator === 'Exists') return t.key === undefined || t.key === '' || t.key === taint.key;
    return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
  });
}

/** Taints a node carries for its state (spec.unschedulable → the unschedulable taint), beside spec.taints. */
export function effectiveTaints(node: KubeObject): Taint[] {
  const spec = (node.spec ?? {}) as { taints?: Taint[]; unschedulable?: boolean };
  const taints = [...(spec.taints ?? [])];
  if (spec.unschedulable === true && !taints.some((t) => t.key === 'node.kubernetes.io/unschedulable')) taints.push({ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' });
  return taints;
}

export function podFitsNode(podSpec: PodSpec, node: KubeObject): boolean {
  const labels = node.metadata?.labels ?? {};
  if (!Object.entries(podSpec.nodeSelector ?? {}).every(([k, v]) => labels[k] === v)) return false;
  const terms = podSpec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms !== undefined && terms.length > 0 && !terms.some((t) => termMatches(t, node))) return false;
  return effectiveTaints(node)
    .filter((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute')
    .every((t) => tolerates(podSpec.tolerations ?? [], t));
}
