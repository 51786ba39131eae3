// NodeResourcesFit: the pod's requests must fit in allocatable minus what the node's pods (bound and assumed)
// already request; one more pod must fit under allocatable pods. Each short resource is a reason of its own.
import { FITS, type Plugin } from '../framework.ts';
import { podRequests } from '../pod-resources.ts';

export const nodeResourcesFit: Plugin = {
  name: 'NodeResourcesFit',
  filter(pod, node) {
    const reasons: string[] = [];
    if ((node.requested.get('pods') ?? 0) + 1 > (node.allocatable.get('pods') ?? 0)) reasons.push('Too many pods');
    for (const [name, amount] of podRequests(pod)) {
      if (amount <= 0) continue;
      const free = (node.allocatable.get(name) ?? 0) - (node.requested.get(name) ?? 0);
      if (amount > free) reasons.push(`Insufficient ${name}`);
    }
    return reasons.length === 0 ? FITS : reasons;
  },
};
