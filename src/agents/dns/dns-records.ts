// What the cluster DNS answers, as Kubernetes' DNS specification describes it, over the service catalog:
//   <svc>.<ns>.svc.<domain>                 A: the ClusterIP; headless: every ready endpoint's IP;
//                                           ExternalName: a CNAME to the external name
//   <hostname>.<svc>.<ns>.svc.<domain>      A: a headless service's endpoint that has a hostname
//   _<port>._<proto>.<svc>.<ns>.svc.<domain> SRV per named port: the service name (ClusterIP) or each endpoint
//                                           (headless), with A records alongside
//   <a-b-c-d>.<ns>.pod.<domain>             A: the address spelled in the name
// A name that exists without records of the asked type gets an empty NOERROR (so AAAA lookups do not fail the
// A lookup that follows), an unknown name in the domain NXDOMAIN, both with the zone's SOA for negative caching.
import type { Answer, SrvAnswer, StringAnswer } from 'dns-packet';
import { hasClusterIP, isHeadless, type ServiceCatalog } from '../proxy/index.ts';

export type Rcode = 'NOERROR' | 'NXDOMAIN';

export interface Lookup {
  rcode: Rcode;
  answers: Answer[];
  additionals: Answer[];
}

export interface RecordOptions {
  domain: string;
  ttlSeconds: number;
}

const NODATA: Lookup = { rcode: 'NOERROR', answers: [], additionals: [] };
const NXDOMAIN: Lookup = { rcode: 'NXDOMAIN', answers: [], additionals: [] };

export function soa(options: RecordOptions): Answer {
  return {
    type: 'SOA',
    name: options.domain,
    ttl: options.ttlSeconds,
    data: { mname: `ns.dns.${options.domain}`, rname: `hostmaster.${options.domain}`, serial: 1, refresh: 7200, retry: 1800, expire: 86400, minimum: options.ttlSeconds },
  };
}

/** True when `name` (lower case, no trailing dot) is the domain or inside it. */
export function inDomain(name: string, domain: string): boolean {
  return name === domain || name.endsWith(`.${domain}`);
}

export function lookup(catalog: ServiceCatalog, name: string, type: string, options: RecordOptions): Lookup {
  const { domain, ttlSeconds: ttl } = options;
  const labels = name.slice(0, name.length - domain.length).replace(/\.$/, '').split('.').filter((l) => l !== '');
  const a = (owner: string, ip: string): StringAnswer => ({ type: 'A', name: owner, ttl, data: ip });
  const only = (answers: Answer[], additionals: Answer[] = []): Lookup => ({ rcode: 'NOERROR', answers: answers.filter((r) => type === 'ANY' || r.type === type || r.type === 'CNAME'), additionals });

  if (labels.length === 0 || (labels.length === 1 && (labels[0] === 'svc' || labels[0] === 'pod'))) return NODATA;
  const kind = labels[labels.length - 1];
  if (kind === 'pod') {
    if (labels.length !== 3) return labels.length === 2 ? NODATA : NXDOMAIN;
    const ip = labels[0].split('-');
    if (ip.length !== 4 || !ip.every((o) => /^\d{1,3}$/.test(o) && Number(o) < 256)) return NXDOMAIN;
    return only([a(name, ip.map(Number).join('.'))]);
  }
  if (kind !== 'svc') return NXDOMAIN;
  if (labels.length === 2) return catalog.hasNamespace(labels[0]) ? NODATA : NXDOMAIN;
  const [namespace, svcName] = [labels[labels.length - 2], labels[labels.length - 3]];
  const svc = catalog.service(namespace, svcName);
  if (svc === undefined) return NXDOMAIN;
  const svcFqdn = `${svcName}.${namespace}.svc.${domain}`;
  const rest = labels.slice(0, labels.length - 3);

  if (rest.length === 0) {
    if (svc.spec.type === 'ExternalName') return only([{ type: 'CNAME', name, ttl, data: svc.spec.externalName ?? '' }]);
    if (hasClusterIP(svc)) return only([a(name, svc.spec.clusterIP!)]);
    if (isHeadless(svc)) return only(catalog.readyAddresses(namespace, svcName).map((e) => a(name, e.ip)));
    return NODATA;
  }
  if (rest.length === 1 && isHeadless(svc)) {
    const hit = catalog.readyAddresses(namespace, svcName).filter((e) => e.hostname === rest[0] || e.ip.replace(/\./g, '-') === rest[0]);
    return hit.length === 0 ? NXDOMAIN : only(hit.map((e) => a(name, e.ip)));
  }
  if (rest.length === 2 && rest[0].startsWith('_') && rest[1].startsWith('_')) {
    const [portName, proto] = [rest[0].slice(1), rest[1].slice(1).toUpperCase()];
    const port = (svc.spec.ports ?? []).find((p) => p.name === portName && (p.protocol ?? 'TCP') === proto);
    if (port === undefined) return NXDOMAIN;
    if (hasClusterIP(svc)) {
      const srv: SrvAnswer = { type: 'SRV', name, ttl, data: { priority: 0, weight: 100, port: port.port, target: svcFqdn } };
      return only([srv], [a(svcFqdn, svc.spec.clusterIP!)]);
    }
    const backends = catalog.backends(namespace, svcName, port);
    const targets = backends.map((b) => ({ b, target: `${b.hostname ?? b.ip.replace(/\./g, '-')}.${svcFqdn}` }));
    return only(
      targets.map(({ b, target }): SrvAnswer => ({ type: 'SRV', name, ttl, data: { priority: 0, weight: Math.floor(100 / targets.length), port: b.port, target } })),
      targets.map(({ b, target }) => a(target, b.ip)),
    );
  }
  return NXDOMAIN;
}
