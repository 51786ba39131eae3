// The slice of networking.k8s.io/v1 Ingress the ingress proxy routes by.

export interface IngressServiceBackend {
  name: string;
  port: { number?: number; name?: string };
}

export interface IngressBackend {
  service?: IngressServiceBackend;
}

export type PathType = 'Exact' | 'Prefix' | 'ImplementationSpecific';

export interface HttpIngressPath {
  path?: string;
  pathType: PathType;
  backend: IngressBackend;
}

export interface IngressRule {
  host?: string;
  http?: { paths: HttpIngressPath[] };
}

export interface Ingress {
  metadata: { name: string; namespace?: string };
  spec: {
    ingressClassName?: string;
    defaultBackend?: IngressBackend;
    rules?: IngressRule[];
  };
}
