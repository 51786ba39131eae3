// The slice of core/v1 Service and Endpoints that the node's networking (proxy, DNS, ingress) acts on. The kubelet
// feeds informer contents in as they are; field names follow the API.

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface ObjectMeta {
  name: string;
  namespace?: string;
}

export interface ServicePort {
  name?: string;
  protocol?: Protocol;
  port: number;
  targetPort?: number | string;
  nodePort?: number;
}

export interface Service {
  metadata: ObjectMeta;
  spec: {
    type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
    clusterIP?: string;
    ports?: ServicePort[];
    externalName?: string;
  };
}

export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
}

export interface EndpointPort {
  name?: string;
  port: number;
  protocol?: Protocol;
}

export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}

export interface Endpoints {
  metadata: ObjectMeta;
  subsets?: EndpointSubset[];
}

/** What every consumer of services implements: the whole current set, replaced at once (level-based). */
export interface ServiceConsumer {
  setServices(services: readonly Service[], endpoints: readonly Endpoints[]): void;
}
