// `barque up`'s ports: the usual ones by default, or consecutive ones from --port-base (tests, several clusters).
export interface UpPorts {
  storeClient: number;
  storePeer: number;
  apiserver: number;
  grpc: number;
  kubelet: number;
  dns: number;
  ingress: number;
}

export const DEFAULT_PORTS: Readonly<UpPorts> = { storeClient: 2379, storePeer: 2380, apiserver: 6443, grpc: 6444, kubelet: 10250, dns: 10053, ingress: 10080 };

/** base, base+1, … in the order of the fields above. */
export function portsFrom(base: number): UpPorts {
  return { storeClient: base, storePeer: base + 1, apiserver: base + 2, grpc: base + 3, kubelet: base + 4, dns: base + 5, ingress: base + 6 };
}
