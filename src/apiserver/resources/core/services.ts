// core/v1 services: defaults (type, session affinity, target ports, traffic policies), validation of ports, types and
// cluster IPs. Allocating cluster IPs and node ports needs the store, so it lives in ../../allocation/.
import type { KubeObject } from '../../types.ts';
import { cause, type StatusCause } from '../../rest/status.ts';
import { AGE_COLUMN, age, column, NAME_COLUMN } from '../../rest/table.ts';
import type { ResourceDef } from '../resource-def.ts';
import { arr, child, o, str } from '../values.ts';

const TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/;

/** A port list shows node ports only where one is allocated: 80:30080/TCP. */
function servicePorts(svc: KubeObject): string {
  const ports = arr(o(svc.spec).ports);
  if (ports.length === 0) return '<none>';
  return ports
    .map((p) => {
      const proto = str(p.protocol) || 'TCP';
      return typeof p.nodePort === 'number' && p.nodePort > 0 ? `${String(p.port)}:${p.nodePort}/${proto}` : `${String(p.port)}/${proto}`;
    })
    .join(',');
}

function externalIp(svc: KubeObject): string {
  const spec = o(svc.spec);
  const type = str(spec.type);
  const external = Array.isArray(spec.externalIPs) ? (spec.externalIPs as string[]) : [];
  if (type === 'ExternalName') return str(spec.externalName);
  if (type === 'LoadBalancer') {
    const ingress = arr(o(o(svc.status).loadBalancer).ingress).map((i) => str(i.ip) || str(i.hostname));
    const all = [...ingress, ...external];
    return all.length === 0 ? '<pending>' : all.join(',');
  }
  return external.length === 0 ? '<none>' : external.join(',');
}

export const usesNodePorts = (type: string): boolean => type === 'NodePort' || type === 'LoadBalancer';
export const usesClusterIP = (type: string): boolean => type !== 'ExternalName';

function validatePorts(spec: Record<string, unknown>, type: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const ports = arr(spec.ports);
  if (type !== 'ExternalName' && ports.length === 0 && spec.clusterIP !== 'None') causes.push(cause.required('spec.ports'));
  ports.forEach((p, i) => {
    const at = `spec.ports[${i}]`;
    if (typeof p.port !== 'number' || p.port < 1 || p.port > 65535) causes.push(cause.invalid(`${at}.port`, p.port ?? 0, 'must be between 1 and 65535, inclusive'));
    if (ports.length > 1 && str(p.name) === '') causes.push(cause.required(`${at}.name`));
    const protocol = str(p.protocol);
    if (!PROTOCOLS.includes(protocol)) causes.push(cause.notSupported(`${at}.protocol`, protocol, PROTOCOLS));
    const target = p.targetPort;
    if (typeof target === 'number' && (target < 1 || target > 65535)) causes.push(cause.invalid(`${at}.targetPort`, target, 'must be between 1 and 65535, inclusive'));
    if (typeof target === 'string' && !IANA_SVC_NAME.test(target)) causes.push(cause.invalid(`${at}.targetPort`, target, 'must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)'));
    if (p.nodePort !== undefined && p.nodePort !== 0 && type === 'ClusterIP') causes.push(cause.forbidden(`${at}.nodePort`, "may not be used when `type` is 'ClusterIP'"));
  });
  return causes;
}

export const services: ResourceDef = {
  group: '',
  version: 'v1',
  resource: 'services',
  singular: 'service',
  kind: 'Service',
  namespaced: true,
  shortNames: ['svc'],
  categories: ['all'],
  hasStatus: true,
  tracksGeneration: false,
  deleteReturnsObject: false,
  nameRule: 'dns1035',
  printer: {
    columns: [
      NAME_COLUMN,
      column('Type', 'The type of the service'),
      column('Cluster-IP', 'The cluster ip of the service'),
      column('External-IP', 'The external ip of the service'),
      column('Port(s)', 'The ports of the service'),
      AGE_COLUMN,
      column('Selector', 'Route service traffic to pods with label keys and values matching this selector.', { priority: 1 }),
    ],
    cells: (svc, now) => {
      const spec = o(svc.spec);
      const selector = Object.entries(o(spec.selector)).map(([k, v]) => `${k}=${String(v)}`);
      return [
        svc.metadata?.name,
        str(spec.type) || 'ClusterIP',
        str(spec.clusterIP) || '<none>',
        externalIp(svc),
        servicePorts(svc),
        age(svc.metadata?.creationTimestamp, now),
        selector.length === 0 ? '<none>' : selector.join(','),
      ];
    },
  },
  selectableFields: { 'spec.clusterIP': (s) => str(o(s.spec).clusterIP), 'spec.type': (s) => str(o(s.spec).type) },
  defaults(svc) {
    const spec = child(svc, 'spec');
    spec.type ??= 'ClusterIP';
    spec.sessionAffinity ??= 'None';
    const type = str(spec.type);
    if (usesClusterIP(type)) {
      spec.internalTrafficPolicy ??= 'Cluster';
      spec.ipFamilyPolicy ??= 'SingleStack';
      spec.ipFamilies ??= ['IPv4'];
      if (str(spec.clusterIP) !== '') spec.clusterIPs = [spec.clusterIP];
    }
    if (usesNodePorts(type)) spec.externalTrafficPolicy ??= 'Cluster';
    if (type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
    for (const p of arr(spec.ports)) {
      if (str(p.protocol) === '') p.protocol = 'TCP';
      p.targetPort ??= p.port;
    }
    svc.status ??= { loadBalancer: {} };
  },
  validate(svc) {
    const spec = o(svc.spec);
    const type = str(spec.type);
    const causes: StatusCause[] = [];
    if (!TYPES.includes(type)) causes.push(cause.notSupported('spec.type', type, TYPES));
    causes.push(...validatePorts(spec, type));
    const ip = str(spec.clusterIP);
    if (ip === 'None' && usesNodePorts(type)) causes.push(cause.invalid('spec.clusterIPs[0]', ip, `may not be set to 'None' for ${type} services`));
    else if (ip !== '' && ip !== 'None' && !IPV4.test(ip)) causes.push(cause.invalid('spec.clusterIPs[0]', ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
    if (type === 'ExternalName' && str(spec.externalName) === '') causes.push(cause.required('spec.externalName'));
    const affinity = str(spec.sessionAffinity);
    if (!['ClientIP', 'None'].includes(affinity)) causes.push(cause.notSupported('spec.sessionAffinity', affinity, ['ClientIP', 'None']));
    return causes;
  },
  validateUpdate(next, old) {
    const was = str(o(old.spec).clusterIP);
    const now = str(o(next.spec).clusterIP);
    if (was === '' || now === '' || was === now || !usesClusterIP(str(o(next.spec).type)) || !usesClusterIP(str(o(old.spec).type))) return [];
    return [{ reason: 'FieldValueInvalid', message: `Invalid value: []string{${JSON.stringify(now)}}: may not change once set`, field: 'spec.clusterIPs[0]' }];
  },
};
