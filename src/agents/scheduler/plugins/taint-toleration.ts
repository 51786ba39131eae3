// TaintToleration: a node's NoSchedule and NoExecute taints keep out pods that do not tolerate them (the first
// untolerated one is the reason); PreferNoSchedule taints only lower the score, the fewer untolerated the better.
import { FITS, normalizeLowerBetter, type Plugin } from '../framework.ts';
import { isTolerated, nodeTaints, podTolerations } from '../tolerations.ts';

export const taintToleration: Plugin = {
  name: 'TaintToleration',
  filter(pod, node) {
    const tolerations = podTolerations(pod);
    const taint = nodeTaints(node.node).find((t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !isTolerated(t, tolerations));
    return taint === undefined ? FITS : [`node(s) had untolerated taint {${taint.key}: ${taint.value}}`];
  },
  score(pod, node) {
    const tolerations = podTolerations(pod).filter((t) => t.effect === '' || t.effect === 'PreferNoSchedule');
    return nodeTaints(node.node).filter((t) => t.effect === 'PreferNoSchedule' && !isTolerated(t, tolerations)).length;
  },
  normalize: normalizeLowerBetter,
};
