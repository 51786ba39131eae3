// The Status errors of authentication and authorization, in kube-apiserver's exact words:
//   401: message "Unauthorized", reason Unauthorized;
//   403: `pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"`,
//        `pods "web" is forbidden: … cannot get resource "pods" …`, `… at the cluster scope`,
//        `forbidden: User "alice" cannot get path "/metrics"` for non-resource paths;
//        the authorizers' reasons follow after ": " when there are any.
import { ApiError, type StatusDetails } from '../rest/status.ts';
import { resourceWithSubresource, type Attributes } from './attributes.ts';

export function unauthorized(): ApiError {
  return new ApiError(401, 'Unauthorized', 'Unauthorized');
}

export function forbiddenMessage(a: Attributes): string {
  const who = `User "${a.user.name}"`;
  if (!a.resourceRequest) return `${who} cannot ${a.verb} path "${a.path}"`;
  const scope = a.namespace === '' ? 'at the cluster scope' : `in the namespace "${a.namespace}"`;
  return `${who} cannot ${a.verb} resource "${resourceWithSubresource(a)}" in API group "${a.apiGroup}" ${scope}`;
}

export function forbidden(a: Attributes, reason: string): ApiError {
  const message = forbiddenMessage(a) + (reason === '' ? '' : `: ${reason}`);
  if (!a.resourceRequest) return new ApiError(403, 'Forbidden', `forbidden: ${message}`, {});
  const qualified = a.apiGroup === '' ? a.resource : `${a.resource}.${a.apiGroup}`;
  const subject = a.name === '' ? qualified : `${qualified} "${a.name}"`;
  const details: StatusDetails = { ...(a.name === '' ? {} : { name: a.name }), ...(a.apiGroup === '' ? {} : { group: a.apiGroup }), kind: a.resource };
  return new ApiError(403, 'Forbidden', `${subject} is forbidden: ${message}`, details);
}
