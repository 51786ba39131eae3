// The node agent: the kubelet's sync loop over a Runtime, node registration, lease and status, the kubelet's HTTP
// endpoint (logs, stats), and the Agent that runs one node (or many hollow ones) with the node networking.
export { Agent, type AgentOptions, type AgentEndpoints } from './agent.ts';
export { Kubelet, type KubeletOptions } from './kubelet.ts';
export { agentNodeNames } from './node-clients.ts';
export { KUBELET_VERSION, machineResources, type NodeResources } from './node-object.ts';
export type { Summary } from './stats-summary.ts';
