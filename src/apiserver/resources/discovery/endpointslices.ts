// discovery.k8s.io/v1 endpointslices: an address type and up to 1,000 endpoints; ports default to TCP.
import type { KubeObject } from '../../types.ts';
import { cause, type StatusCause } from '../../rest/status.ts';
import { AGE_COLUMN, age, column, NAME_COLUMN } from '../../rest/table.ts';
import type { ResourceDef } from '../resource-def.ts';
import { arr, str } from '../values.ts';

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
const ENDPOINTS_MAX = 1000;
const SHOWN_MAX = 3;

function ports(slice: KubeObject): string {
  const list = arr(slice.ports);
  if (list.length === 0) return '<unset>';
  return list.map((p) => (typeof p.port === 'number' ? String(p.port) : '<unset>')).join(',');
}

function endpointAddresses(slice: KubeObject): string {
  const all = arr(slice.endpoints).flatMap((e) => (Array.isArray(e.addresses) ? (e.addresses as unknown[]).map(String) : []));
  if (all.length === 0) return '<unset>';
  const shown = all.slice(0, SHOWN_MAX).join(',');
  return all.length > SHOWN_MAX ? `${shown} + ${all.length - SHOWN_MAX} more...` : shown;
}

function validateSlice(slice: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const type = str(slice.addressType);
  if (type === '') causes.push(cause.required('addressType'));
  else if (!ADDRESS_TYPES.includes(type)) causes.push(cause.notSupported('addressType', type, ADDRESS_TYPES));
  const endpoints = arr(slice.endpoints);
  if (endpoints.length > ENDPOINTS_MAX) causes.push({ reason: 'FieldValueTooMany', message: `Too many: ${endpoints.length}: must have at most ${ENDPOINTS_MAX} items`, field: 'endpoints' });
  endpoints.forEach((e, i) => {
    const addresses = Array.isArray(e.addresses) ? e.addresses : [];
    if (addresses.length === 0) causes.push(cause.required(`endpoints[${i}].addresses`, 'must contain at least 1 address'));
  });
  return causes;
}

export const endpointslices: ResourceDef = {
  group: 'discovery.k8s.io',
  version: 'v1',
  resource: 'endpointslices',
  singular: 'endpointslice',
  kind: 'EndpointSlice',
  namespaced: true,
  shortNames: [],
  categories: [],
  hasStatus: false,
  tracksGeneration: false,
  deleteReturnsObject: false,
  printer: {
    columns: [
      NAME_COLUMN,
      column('AddressType', 'The IP protocol for this slice'),
      column('Ports', 'The ports of this slice'),
      column('Endpoints', 'The endpoints of this slice'),
      AGE_COLUMN,
    ],
    cells: (s, now) => [s.metadata?.name, str(s.addressType), ports(s), endpointAddresses(s), age(s.metadata?.creationTimestamp, now)],
  },
  selectableFields: {},
  defaults(slice) {
    for (const p of arr(slice.ports)) if (str(p.protocol) === '') p.protocol = 'TCP';
  },
  validate: validateSlice,
  validateUpdate: () => [],
};
