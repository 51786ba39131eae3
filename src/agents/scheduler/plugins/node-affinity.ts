// NodeAffinity: spec.nodeSelector and required node affinity filter nodes; preferred terms score them by the sum
// of the weights of the terms a node matches, scaled so the best node gets the maximum.
import { arr, o } from '../../../apiserver/resources/values.ts';
import { FITS, normalizeHigherBetter, type Plugin } from '../framework.ts';
import { podMatchesNodeSelectorAndAffinity, termMatches } from '../node-selector.ts';

export const nodeAffinity: Plugin = {
  name: 'NodeAffinity',
  filter(pod, node) {
    return podMatchesNodeSelectorAndAffinity(pod, node.node) ? FITS : ["node(s) didn't match Pod's node affinity/selector"];
  },
  score(pod, node) {
    const preferred = arr(o(o(o(pod.spec).affinity).nodeAffinity).preferredDuringSchedulingIgnoredDuringExecution);
    let total = 0;
    for (const p of preferred) if (typeof p.weight === 'number' && termMatches(p.preference, node.node)) total += p.weight;
    return total;
  },
  normalize: normalizeHigherBetter,
};
