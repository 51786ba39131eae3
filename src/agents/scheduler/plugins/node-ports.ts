// NodePorts: a pod asking for host ports fits only nodes where none of them is taken (same port and protocol, and
// the same host IP or either bound to 0.0.0.0), counting assumed pods.
import { FITS, type Plugin } from '../framework.ts';
import { podHostPorts, portsConflict } from '../pod-resources.ts';

export const nodePorts: Plugin = {
  name: 'NodePorts',
  filter(pod, node) {
    const wanted = podHostPorts(pod);
    if (wanted.some((w) => node.usedPorts.some((u) => portsConflict(w, u)))) return ["node(s) didn't have free ports for the requested pod ports"];
    return FITS;
  },
};
