// NodeUnschedulable: a cordoned node (spec.unschedulable) takes only pods tolerating its unschedulable taint.
import { o } from '../../../apiserver/resources/values.ts';
import { FITS, type Plugin } from '../framework.ts';
import { isTolerated, podTolerations } from '../tolerations.ts';

export const UNSCHEDULABLE_TAINT = 'node.kubernetes.io/unschedulable';

export const nodeUnschedulable: Plugin = {
  name: 'NodeUnschedulable',
  filter(pod, node) {
    if (o(node.node.spec).unschedulable !== true) return FITS;
    if (isTolerated({ key: UNSCHEDULABLE_TAINT, value: '', effect: 'NoSchedule' }, podTolerations(pod))) return FITS;
    return ['node(s) were unschedulable'];
  },
};
