// The agents room: everything that acts on the cluster through the API server. The client library (client/) is
// here; controllers, the scheduler and the node agents (kubelet, proxy, DNS) land beside it with their issues.
export * from './client/index.ts';
