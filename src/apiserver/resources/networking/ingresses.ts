// networking.k8s.io/v1 ingresses: rules or a default backend, pathType on every path; the printer shows class,
// hosts, load-balancer addresses and ports (443 too when TLS is configured).
import type { KubeObject } from '../../types.ts';
import { cause, type StatusCause } from '../../rest/status.ts';
import { AGE_COLUMN, age, column, NAME_COLUMN } from '../../rest/table.ts';
import type { ResourceDef } from '../resource-def.ts';
import { arr, o, str } from '../values.ts';

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
const HOSTS_SHOWN_MAX = 4;

function hosts(ing: KubeObject): string {
  const rules = arr(o(ing.spec).rules);
  if (rules.length === 0) return '*';
  const list = rules.map((r) => str(r.host) || '*');
  const shown = list.slice(0, HOSTS_SHOWN_MAX).join(',');
  return list.length > HOSTS_SHOWN_MAX ? `${shown} + ${list.length - HOSTS_SHOWN_MAX} more...` : shown;
}

function addresses(ing: KubeObject): string {
  return arr(o(o(ing.status).loadBalancer).ingress)
    .map((i) => str(i.ip) || str(i.hostname))
    .filter((a) => a !== '')
    .join(',');
}

function validateIngress(ing: KubeObject): StatusCause[] {
  const spec = o(ing.spec);
  const rules = arr(spec.rules);
  const causes: StatusCause[] = [];
  if (rules.length === 0 && spec.defaultBackend === undefined) causes.push(cause.invalid('spec.rules', rules, 'either `defaultBackend` or `rules` must be specified'));
  rules.forEach((r, i) => {
    arr(o(r.http).paths).forEach((p, j) => {
      const at = `spec.rules[${i}].http.paths[${j}]`;
      const type = str(p.pathType);
      if (type === '') causes.push(cause.required(`${at}.pathType`, 'pathType must be specified'));
      else if (!PATH_TYPES.includes(type)) causes.push(cause.notSupported(`${at}.pathType`, type, PATH_TYPES));
      if (p.backend === undefined) causes.push(cause.invalid(`${at}.backend`, null, 'one backend (`service` or `resource`) must be specified'));
    });
  });
  return causes;
}

export const ingresses: ResourceDef = {
  group: 'networking.k8s.io',
  version: 'v1',
  resource: 'ingresses',
  singular: 'ingress',
  kind: 'Ingress',
  namespaced: true,
  shortNames: ['ing'],
  categories: [],
  hasStatus: true,
  tracksGeneration: true,
  deleteReturnsObject: false,
  printer: {
    columns: [
      NAME_COLUMN,
      column('Class', 'The name of the IngressClass resource that should be used for ingress'),
      column('Hosts', 'Hosts that incoming requests are matched against before the ingress rule'),
      column('Address', 'Address is a list containing ingress points for the load-balancer'),
      column('Ports', 'Ports of TLS configurations that open'),
      AGE_COLUMN,
    ],
    cells: (ing, now) => [ing.metadata?.name, str(o(ing.spec).ingressClassName) || '<none>', hosts(ing), addresses(ing), arr(o(ing.spec).tls).length > 0 ? '80, 443' : '80', age(ing.metadata?.creationTimestamp, now)],
  },
  selectableFields: {},
  defaults(ing) {
    ing.status ??= { loadBalancer: {} };
  },
  validate: validateIngress,
  validateUpdate: () => [],
};
