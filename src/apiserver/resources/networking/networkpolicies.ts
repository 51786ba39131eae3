// networking.k8s.io/v1 networkpolicies: which traffic may reach and leave the pods a selector picks, enforced by the
// network plugin, not the apiserver (barque's node agents enforce none, as a cluster whose plugin has no policy
// support). Defaults (protocol TCP, policyTypes from the rules), validation of ports, peers and policy types, the
// generation bump on spec changes and the printer are kube-apiserver's.
import { isIP } from 'node:net';
import type { KubeObject } from '../../types.ts';
import { cause, type StatusCause } from '../../rest/status.ts';
import { AGE_COLUMN, age, column, NAME_COLUMN } from '../../rest/table.ts';
import { selectorText } from '../label-selector.ts';
import type { ResourceDef } from '../resource-def.ts';
import { arr, o, orNone, str, type Obj } from '../values.ts';

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const POLICY_TYPES = ['Egress', 'Ingress'];
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

function defaultNetworkPolicy(np: KubeObject): void {
  const spec = o(np.spec);
  np.spec = spec;
  spec.podSelector ??= {};
  for (const rule of [...arr(spec.ingress), ...arr(spec.egress)]) {
    for (const port of arr(rule.ports)) port.protocol ??= 'TCP';
  }
  if (!Array.isArray(spec.policyTypes) || spec.policyTypes.length === 0) {
    // A policy that names no types is at least about ingress; and about egress too when it has egress rules.
    spec.policyTypes = arr(spec.egress).length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  }
}

function validatePort(port: Obj, at: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const protocol = str(port.protocol);
  if (!PROTOCOLS.includes(protocol)) causes.push(cause.notSupported(`${at}.protocol`, protocol, PROTOCOLS));
  const value = port.port;
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 1 || value > 65535) causes.push(cause.invalid(`${at}.port`, value, 'must be between 1 and 65535, inclusive'));
    if (port.endPort !== undefined) {
      const end = port.endPort;
      if (typeof end !== 'number' || !Number.isInteger(end) || end < 1 || end > 65535) causes.push(cause.invalid(`${at}.endPort`, end, 'must be between 1 and 65535, inclusive'));
      else if (end < value) causes.push(cause.invalid(`${at}.endPort`, end, 'must be greater than or equal to `port`'));
    }
  } else if (typeof value === 'string') {
    if (value.length > 15 || !IANA_SVC_NAME.test(value) || !/[a-z]/.test(value)) causes.push(cause.invalid(`${at}.port`, value, 'must be a valid port name (at most 15 lower-case letters, digits and dashes, with at least one letter)'));
    if (port.endPort !== undefined) causes.push(cause.forbidden(`${at}.endPort`, 'may not be specified when `port` is non-numeric'));
  } else if (port.endPort !== undefined) {
    causes.push(cause.required(`${at}.port`, 'must be specified when `endPort` is specified'));
  }
  return causes;
}

function validCidr(cidr: string): boolean {
  const [address, bits, ...rest] = cidr.split('/');
  if (rest.length > 0 || bits === undefined || !/^\d{1,3}$/.test(bits)) return false;
  const family = isIP(address);
  return family !== 0 && Number(bits) <= (family === 4 ? 32 : 128);
}

function validatePeer(peer: Obj, at: string): StatusCause[] {
  const hasSelector = peer.podSelector !== undefined || peer.namespaceSelector !== undefined;
  if (peer.ipBlock === undefined && !hasSelector) return [cause.required(at, 'must specify a peer')];
  if (peer.ipBlock !== undefined && hasSelector) return [cause.forbidden(at, 'may not specify both ipBlock and another peer')];
  if (peer.ipBlock === undefined) return [];
  const block = o(peer.ipBlock);
  const cidr = str(block.cidr);
  if (cidr === '') return [cause.required(`${at}.ipBlock.cidr`)];
  if (!validCidr(cidr)) return [cause.invalid(`${at}.ipBlock.cidr`, cidr, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)')];
  return arr(block.except).flatMap((e, i) => {
    const except = typeof e === 'string' ? e : '';
    return validCidr(except) ? [] : [cause.invalid(`${at}.ipBlock.except[${i}]`, e, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)')];
  });
}

function validateNetworkPolicy(np: KubeObject): StatusCause[] {
  const spec = o(np.spec);
  const causes: StatusCause[] = [];
  const rules = (field: 'ingress' | 'egress', peers: 'from' | 'to'): void => {
    arr(spec[field]).forEach((rule, i) => {
      arr(rule.ports).forEach((p, j) => causes.push(...validatePort(p, `spec.${field}[${i}].ports[${j}]`)));
      arr(rule[peers]).forEach((p, j) => causes.push(...validatePeer(p, `spec.${field}[${i}].${peers}[${j}]`)));
    });
  };
  rules('ingress', 'from');
  rules('egress', 'to');
  const types = Array.isArray(spec.policyTypes) ? (spec.policyTypes as unknown[]) : [];
  types.forEach((t, i) => {
    if (typeof t !== 'string' || !POLICY_TYPES.includes(t)) causes.push(cause.notSupported(`spec.policyTypes[${i}]`, t, POLICY_TYPES));
  });
  if (types.length > POLICY_TYPES.length) causes.push(cause.invalid('spec.policyTypes', types, 'may not specify more than two policyTypes'));
  return causes;
}

export const networkpolicies: ResourceDef = {
  group: 'networking.k8s.io',
  version: 'v1',
  resource: 'networkpolicies',
  singular: 'networkpolicy',
  kind: 'NetworkPolicy',
  namespaced: true,
  shortNames: ['netpol'],
  categories: [],
  hasStatus: false,
  tracksGeneration: true,
  deleteReturnsObject: false,
  printer: {
    columns: [NAME_COLUMN, column('Pod-Selector', 'The pods this policy applies to: a label selector, empty for every pod of the namespace'), AGE_COLUMN],
    cells: (np, now) => [np.metadata?.name, orNone(selectorText(o(np.spec).podSelector)), age(np.metadata?.creationTimestamp, now)],
  },
  selectableFields: {},
  defaults: defaultNetworkPolicy,
  validate: validateNetworkPolicy,
  validateUpdate: () => [],
};
