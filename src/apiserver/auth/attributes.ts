// What a request asks to do, in the terms authorizers decide on (Kubernetes' authorizer.Attributes): a verb on a
// resource (group, resource, subresource, namespace, name) or on a non-resource path.
import type { UserInfo } from './user.ts';

export interface Attributes {
  user: UserInfo;
  /** get, list, watch, create, update, patch, delete, deletecollection; for non-resource paths the HTTP verb in lower case. */
  verb: string;
  resourceRequest: boolean;
  /** Non-resource requests: the URL path. */
  path: string;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
}

const HTTP_VERBS: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch' };
/** Subresources of a namespace itself, not resources inside it (as RequestInfo treats them). */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/** Classifies a REST request the way kube-apiserver's RequestInfo does. */
export function restAttributes(user: UserInfo, method: string, rawUrl: string): Attributes {
  const url = new URL(rawUrl, 'http://apiserver');
  const path = url.pathname;
  const parts = path.split('/').filter((p) => p !== '').map(decodeSegment);
  const base: Attributes = { user, verb: method.toLowerCase(), resourceRequest: false, path, apiGroup: '', apiVersion: '', resource: '', subresource: '', namespace: '', name: '' };
  const core = parts[0] === 'api';
  if (!core && parts[0] !== 'apis') return base;
  let rest = parts.slice(core ? 2 : 3);
  // /api, /api/v1, /apis/<g>, /apis/<g>/<v>: discovery, a non-resource path.
  if (rest.length === 0) return base;
  const attrs: Attributes = { ...base, resourceRequest: true, apiGroup: core ? '' : parts[1], apiVersion: core ? parts[1] : parts[2] };
  if (rest[0] === 'namespaces' && rest.length >= 2) {
    attrs.namespace = rest[1];
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2])) rest = rest.slice(2);
  }
  attrs.resource = rest[0];
  attrs.name = rest[1] ?? '';
  attrs.subresource = rest[2] ?? '';
  const watch = url.searchParams.get('watch');
  if (method === 'GET' || method === 'HEAD') attrs.verb = watch === 'true' || watch === '1' ? 'watch' : attrs.name === '' ? 'list' : 'get';
  else if (method === 'DELETE') attrs.verb = attrs.name === '' ? 'deletecollection' : 'delete';
  else attrs.verb = HTTP_VERBS[method] ?? method.toLowerCase();
  return attrs;
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** "pods" or "pods/status", as RBAC rules and Forbidden messages name a resource. */
export function resourceWithSubresource(a: Pick<Attributes, 'resource' | 'subresource'>): string {
  return a.subresource === '' ? a.resource : `${a.resource}/${a.subresource}`;
}
