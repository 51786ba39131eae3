// Routing as the Ingress API defines it: the rules of the most specific matching host (an exact host, then a
// `*.suffix` wildcard covering exactly one label, then rules without a host), then the longest matching path,
// Exact before Prefix at equal length. Prefix matches whole path elements (/foo matches /foo and /foo/bar, not
// /foobar); ImplementationSpecific is treated as Prefix. Nothing matched: the first defaultBackend, by
// namespace/name order.
import type { Ingress, IngressServiceBackend, PathType } from './ingress-types.ts';

export interface Route {
  namespace: string;
  backend: IngressServiceBackend;
}

interface Candidate {
  hostRank: number;
  pathLength: number;
  exact: boolean;
  order: number;
  route: Route;
}

function hostRank(ruleHost: string | undefined, host: string): number {
  if (ruleHost === undefined || ruleHost === '') return 1;
  const rule = ruleHost.toLowerCase();
  if (rule === host) return 3;
  if (rule.startsWith('*.')) {
    const suffix = rule.slice(1);
    const head = host.slice(0, host.length - suffix.length);
    if (host.endsWith(suffix) && head !== '' && !head.includes('.')) return 2;
  }
  return 0;
}

function elements(path: string): string[] {
  return path.split('/').filter((e) => e !== '');
}

/** Length (in characters of the rule path) of a match, or -1. */
function pathMatch(rulePath: string, pathType: PathType, requestPath: string): number {
  if (pathType === 'Exact') return rulePath === requestPath ? rulePath.length : -1;
  const rule = elements(rulePath);
  const req = elements(requestPath);
  if (rule.length > req.length) return -1;
  for (let i = 0; i < rule.length; i++) if (rule[i] !== req[i]) return -1;
  return rule.join('/').length + 1;
}

export function sortIngresses(ingresses: readonly Ingress[]): Ingress[] {
  const key = (i: Ingress) => `${i.metadata.namespace ?? 'default'}/${i.metadata.name}`;
  return [...ingresses].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

export function route(ingresses: readonly Ingress[], hostHeader: string, requestPath: string): Route | undefined {
  const host = hostHeader.toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
  const sorted = sortIngresses(ingresses);
  let best: Candidate | undefined;
  let order = 0;
  for (const ing of sorted) {
    const namespace = ing.metadata.namespace ?? 'default';
    for (const rule of ing.spec.rules ?? []) {
      const rank = hostRank(rule.host, host);
      if (rank === 0) continue;
      for (const p of rule.http?.paths ?? []) {
        order++;
        if (p.backend.service === undefined) continue;
        const length = pathMatch(p.path ?? '/', p.pathType, requestPath);
        if (length < 0) continue;
        const c: Candidate = { hostRank: rank, pathLength: length, exact: p.pathType === 'Exact', order, route: { namespace, backend: p.backend.service } };
        if (best === undefined || better(c, best)) best = c;
      }
    }
  }
  if (best !== undefined) return best.route;
  const fallback = sorted.find((i) => i.spec.defaultBackend?.service !== undefined);
  return fallback === undefined ? undefined : { namespace: fallback.metadata.namespace ?? 'default', backend: fallback.spec.defaultBackend!.service! };
}

function better(a: Candidate, b: Candidate): boolean {
  if (a.hostRank !== b.hostRank) return a.hostRank > b.hostRank;
  if (a.pathLength !== b.pathLength) return a.pathLength > b.pathLength;
  if (a.exact !== b.exact) return a.exact;
  return a.order < b.order;
}
