// core/v1 NodeSelector matching: terms are ORed, a term's matchExpressions (on labels) and matchFields (on
// metadata.name) are ANDed; operators In, NotIn, Exists, DoesNotExist, Gt, Lt. An empty term matches nothing.
import { arr, o, str } from '../../apiserver/resources/values.ts';
import type { KubeObject } from '../../apiserver/index.ts';

function requirementMatches(req: Record<string, unknown>, value: string | undefined): boolean {
  const values = Array.isArray(req.values) ? (req.values as unknown[]).map(String) : [];
  switch (str(req.operator)) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || values.length !== 1 || !/^-?\d+$/.test(value) || !/^-?\d+$/.test(values[0])) return false;
      return str(req.operator) === 'Gt' ? Number(value) > Number(values[0]) : Number(value) < Number(values[0]);
    }
    default:
      return false;
  }
}

export function termMatches(term: unknown, node: KubeObject): boolean {
  const t = o(term);
  const exprs = arr(t.matchExpressions);
  const fields = arr(t.matchFields);
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels ?? {};
  const fieldValue = (key: string): string | undefined => (key === 'metadata.name' ? node.metadata?.name : undefined);
  return exprs.every((e) => requirementMatches(e, Object.hasOwn(labels, str(e.key)) ? labels[str(e.key)] : undefined)) && fields.every((f) => requirementMatches(f, fieldValue(str(f.key))));
}

export function nodeSelectorMatches(selector: unknown, node: KubeObject): boolean {
  return arr(o(selector).nodeSelectorTerms).some((t) => termMatches(t, node));
}

/** The pod's spec.nodeSelector and required node affinity both hold for `node`. */
export function podMatchesNodeSelectorAndAffinity(pod: KubeObject, node: KubeObject): boolean {
  const spec = o(pod.spec);
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(o(spec.nodeSelector))) if (labels[k] !== String(v)) return false;
  const required = o(o(o(spec.affinity).nodeAffinity).requiredDuringSchedulingIgnoredDuringExecution);
  if (Object.keys(required).length > 0 && !nodeSelectorMatches(required, node)) return false;
  return true;
}
