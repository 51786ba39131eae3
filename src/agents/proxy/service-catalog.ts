// An index over Services and their Endpoints: the one place that answers "where do connections to this service
// port go" for the proxy, the DNS server and the ingress. Endpoint ports are matched to service ports by name, as
// the endpoints controller names them after the service's ports.
import type { EndpointAddress, Endpoints, Service, ServicePort } from './service-types.ts';

export interface Backend {
  ip: string;
  port: number;
  hostname?: string;
}

export function isHeadless(service: Service): boolean {
  return service.spec.clusterIP === 'None';
}

export function hasClusterIP(service: Service): boolean {
  const ip = service.spec.clusterIP;
  return ip !== undefined && ip !== '' && ip !== 'None' && service.spec.type !== 'ExternalName';
}

function key(namespace: string | undefined, name: string): string {
  return `${namespace ?? 'default'}/${name}`;
}

export class ServiceCatalog {
  private services = new Map<string, Service>();
  private endpoints = new Map<string, Endpoints>();

  replace(services: readonly Service[], endpoints: readonly Endpoints[]): void {
    this.services = new Map(services.map((s) => [key(s.metadata.namespace, s.metadata.name), s]));
    this.endpoints = new Map(endpoints.map((e) => [key(e.metadata.namespace, e.metadata.name), e]));
  }

  all(): Service[] {
    return [...this.services.values()];
  }

  service(namespace: string, name: string): Service | undefined {
    return this.services.get(key(namespace, name));
  }

  hasNamespace(namespace: string): boolean {
    for (const s of this.services.values()) if ((s.metadata.namespace ?? 'default') === namespace) return true;
    return false;
  }

  /** Ready endpoints of one service port (found by the port's name, or the only port). */
  backends(namespace: string, name: string, port: ServicePort): Backend[] {
    const out: Backend[] = [];
    for (const subset of this.endpoints.get(key(namespace, name))?.subsets ?? []) {
      const target = (subset.ports ?? []).find((p) => (p.name ?? '') === (port.name ?? '')) ?? (subset.ports?.length === 1 && port.name === undefined ? subset.ports[0] : undefined);
      if (target === undefined) continue;
      for (const a of subset.addresses ?? []) out.push(backend(a, target.port));
    }
    return out;
  }

  /** Every ready address of a service, whatever the ports (headless A records). */
  readyAddresses(namespace: string, name: string): EndpointAddress[] {
    const seen = new Map<string, EndpointAddress>();
    for (const subset of this.endpoints.get(key(namespace, name))?.subsets ?? []) for (const a of subset.addresses ?? []) seen.set(a.ip, a);
    return [...seen.values()];
  }
}

function backend(a: EndpointAddress, port: number): Backend {
  return a.hostname !== undefined ? { ip: a.ip, port, hostname: a.hostname } : { ip: a.ip, port };
}
