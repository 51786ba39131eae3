// ListOptions from the wire to the registry's ListQuery, with Kubernetes' checks on resourceVersionMatch.
import type { ListQuery } from '../rest/registry.ts';
import { badRequest, cause, invalid, type StatusCause } from '../rest/status.ts';
import type { ListOptionsMsg } from './wire.ts';

const MATCHES = ['Exact', 'NotOlderThan'] as const;

export function listQueryOf(options: ListOptionsMsg | null, forWatch: boolean): ListQuery {
  if (options === null) return {};
  const limit = Number(options.limit);
  if (!Number.isSafeInteger(limit) || limit < 0) throw badRequest(`invalid limit: ${String(options.limit)}`);
  const rv = options.resource_version;
  const match = options.resource_version_match;
  const causes: StatusCause[] = [];
  if (match !== '') {
    if (forWatch) causes.push(cause.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden for watch'));
    else if (rv === '') causes.push(cause.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided'));
    else if (!(MATCHES as readonly string[]).includes(match)) causes.push(cause.notSupported('resourceVersionMatch', match, MATCHES));
    else if (match === 'Exact' && rv === '0') causes.push(cause.forbidden('resourceVersionMatch', 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'));
    else if (options.continue !== '') causes.push(cause.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
  }
  if (causes.length > 0) throw invalid('ListOptions', 'meta.k8s.io', '', causes);
  const query: ListQuery = {};
  if (options.label_selector !== '') query.labelSelector = options.label_selector;
  if (options.field_selector !== '') query.fieldSelector = options.field_selector;
  if (limit > 0) query.limit = limit;
  if (options.continue !== '') query.continueToken = options.continue;
  // Exact reads at that revision; NotOlderThan is satisfied by a consistent read of the latest (or the cache for "0").
  if (rv !== '' && !(match === 'NotOlderThan' && rv !== '0')) query.resourceVersion = rv;
  return query;
}
