// The agents room: everything that acts on the cluster through the API server. Controllers, the scheduler and
// the node agents (kubelet, proxy, DNS) land here with their issues; until then this door exports nothing.
export {};
