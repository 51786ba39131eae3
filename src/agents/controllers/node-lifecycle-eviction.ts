// When a pod must leave a node with NoExecute taints (the taint manager's rule): at once if some NoExecute taint is
// not tolerated; never if every taint is tolerated without tolerationSeconds; otherwise when the earliest
// taint.timeAdded + tolerationSeconds (the smallest of the tolerations matching that taint) passes.
import type { KubeObject } from '../../apiserver/index.ts';
import { arr, o, str } from '../../apiserver/resources/values.ts';
import { podTolerations, tolerates } from '../scheduler/tolerations.ts';

/** ms since the epoch the pod is to be evicted at; null: never. `firstSeenMs` dates taints without timeAdded. */
export function evictionTime(pod: KubeObject, node: KubeObject, nowMs: number, firstSeenMs: (taintKey: string) => number = () => nowMs): number | null {
  const taints = arr(o(node.spec).taints).filter((t) => t.effect === 'NoExecute');
  const tolerations = podTolerations(pod);
  let at: number | null = null;
  for (const t of taints) {
    const taint = { key: str(t.key), value: str(t.value), effect: 'NoExecute' };
    const matching = tolerations.filter((tol) => tolerates(tol, taint));
    if (matching.length === 0) return nowMs;
    if (matching.some((tol) => tol.tolerationSeconds === undefined)) continue;
    const seconds = Math.max(0, Math.min(...matching.map((tol) => tol.tolerationSeconds as number)));
    const added = Date.parse(str(t.timeAdded));
    const due = (Number.isNaN(added) ? firstSeenMs(taint.key) : added) + seconds * 1000;
    at = at === null ? due : Math.min(at, due);
  }
  return at;
}
