// core/v1 endpoints and serviceaccounts: plain namespaced data with their kubectl columns.
import type { KubeObject } from '../../types.ts';
import { AGE_COLUMN, age, column, NAME_COLUMN } from '../../rest/table.ts';
import { noCauses, noDefaults, type ResourceDef } from '../resource-def.ts';
import { arr, str } from '../values.ts';

const ENDPOINTS_SHOWN_MAX = 3;

/** ip:port for every address and port, the first three shown, then "+ N more...". */
export function formatEndpoints(ep: KubeObject): string {
  const subsets = arr(ep.subsets);
  if (subsets.length === 0) return '<none>';
  const all: string[] = [];
  for (const ss of subsets) {
    const addresses = arr(ss.addresses).map((a) => str(a.ip));
    const ports = arr(ss.ports);
    if (ports.length === 0) all.push(...addresses);
    else for (const p of ports) for (const ip of addresses) all.push(ip.includes(':') ? `[${ip}]:${String(p.port)}` : `${ip}:${String(p.port)}`);
  }
  const shown = all.slice(0, ENDPOINTS_SHOWN_MAX).join(',');
  return all.length > ENDPOINTS_SHOWN_MAX ? `${shown} + ${all.length - ENDPOINTS_SHOWN_MAX} more...` : shown;
}

export const endpoints: ResourceDef = {
  group: '',
  version: 'v1',
  resource: 'endpoints',
  singular: 'endpoints',
  kind: 'Endpoints',
  namespaced: true,
  shortNames: ['ep'],
  categories: [],
  hasStatus: false,
  tracksGeneration: false,
  deleteReturnsObject: false,
  printer: {
    columns: [NAME_COLUMN, column('Endpoints', 'Endpoints of the service'), AGE_COLUMN],
    cells: (ep, now) => [ep.metadata?.name, formatEndpoints(ep), age(ep.metadata?.creationTimestamp, now)],
  },
  selectableFields: {},
  defaults(ep) {
    for (const ss of arr(ep.subsets)) for (const p of arr(ss.ports)) if (str(p.protocol) === '') p.protocol = 'TCP';
  },
  validate: noCauses,
  validateUpdate: noCauses,
};

export const serviceaccounts: ResourceDef = {
  group: '',
  version: 'v1',
  resource: 'serviceaccounts',
  singular: 'serviceaccount',
  kind: 'ServiceAccount',
  namespaced: true,
  shortNames: ['sa'],
  categories: [],
  hasStatus: false,
  tracksGeneration: false,
  deleteReturnsObject: false,
  printer: {
    columns: [NAME_COLUMN, column('Secrets', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.', { type: 'integer' }), AGE_COLUMN],
    cells: (sa, now) => [sa.metadata?.name, arr(sa.secrets).length, age(sa.metadata?.creationTimestamp, now)],
  },
  selectableFields: {},
  defaults: noDefaults,
  validate: noCauses,
  validateUpdate: noCauses,
};

