// NodeName: a pod naming a node in spec.nodeName fits only that node. The scheduler never queues such pods (they
// are bound already); the filter keeps the framework complete for callers that check a pod against a node.
import { o, str } from '../../../apiserver/resources/values.ts';
import { FITS, type Plugin } from '../framework.ts';

export const nodeName: Plugin = {
  name: 'NodeName',
  filter(pod, node) {
    const wanted = str(o(pod.spec).nodeName);
    return wanted === '' || wanted === node.name ? FITS : ["node(s) didn't match the requested node name"];
  },
};
