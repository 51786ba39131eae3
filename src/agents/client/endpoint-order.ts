// Which apiserver a client talks to first. ApiClient uses one address at a time and moves on only when it fails, so
// the order decides where the load lands: every client starting at the first address put the whole cluster's
// watches and writes on one apiserver while the others idled (its watch events reached clients seconds late).
// Components on a master start at their own apiserver, as kubeadm points them at the local one; kubelets start at
// different apiservers, as behind a load balancer.

/** `endpoints` starting at index `first` (modulo their count), the rest after it in order, wrapping around. */
export function endpointsFrom<T>(endpoints: readonly T[], first: number): T[] {
  const n = endpoints.length;
  if (n === 0) return [];
  const k = ((first % n) + n) % n;
  return [...endpoints.slice(k), ...endpoints.slice(0, k)];
}
