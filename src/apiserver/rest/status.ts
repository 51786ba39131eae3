// Every error the API returns is a `Status` object with Kubernetes' code, reason and message text: clients (kubectl,
// client-go) match on reason and print the message as it is.
import { assert } from '../../raft/assert.ts';

export type StatusReason =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'BadRequest'
  | 'MethodNotAllowed'
  | 'Gone'
  | 'Expired'
  | 'Forbidden'
  | 'Unauthorized'
  | 'UnsupportedMediaType'
  | 'NotAcceptable'
  | 'RequestEntityTooLarge'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Timeout'
  | 'TooManyRequests';

export interface StatusCause {
  reason: string;
  message: string;
  field: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface StatusObject {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

/** An error that is answered with its Status. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toStatus(): StatusObject {
    const status: StatusObject = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason, code: this.code };
    if (this.details !== undefined) status.details = this.details.causes === undefined ? this.details : { ...this.details, causes: this.details.causes.map(wireCause) };
    return status;
  }
}

/** A cause as Go serializes metav1.StatusCause: an empty reason or field is left out (omitempty). */
function wireCause(c: StatusCause): StatusCause {
  const out: Partial<StatusCause> = {};
  if (c.reason !== '') out.reason = c.reason;
  out.message = c.message;
  if (c.field !== '') out.field = c.field;
  return out as StatusCause;
}

/** The resource as Status messages name it: "pods", or "deployments.apps" outside the core group. */
export interface QualifiedResource {
  group: string;
  resource: string;
}

function qualified(r: QualifiedResource): string {
  return r.group === '' ? r.resource : `${r.resource}.${r.group}`;
}

function details(r: QualifiedResource, name: string): StatusDetails {
  return r.group === '' ? { name, kind: r.resource } : { name, group: r.group, kind: r.resource };
}

export function notFound(r: QualifiedResource, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${qualified(r)} "${name}" not found`, details(r, name));
}

export function alreadyExists(r: QualifiedResource, name: string): ApiError {
  return new ApiError(409, 'AlreadyExists', `${qualified(r)} "${name}" already exists`, details(r, name));
}

export const CONFLICT_MODIFIED = 'the object has been modified; please apply your changes to the latest version and try again';

export function conflict(r: QualifiedResource, name: string, why = CONFLICT_MODIFIED): ApiError {
  return new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(r)} "${name}": ${why}`, details(r, name));
}

/** 422 with field causes; `kind` is the object's Kind ("Pod"), as Kubernetes words it. */
export function invalid(kind: string, group: string, name: string, causes: StatusCause[]): ApiError {
  const list = causes.map((c) => (c.field === '' ? c.message : `${c.field}: ${c.message}`));
  const summary = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
  const d: StatusDetails = group === '' ? { name, kind, causes } : { name, group, kind, causes };
  return new ApiError(422, 'Invalid', `${kind}${group === '' ? '' : `.${group}`} "${name}" is invalid: ${summary}`, d);
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

export function forbidden(r: QualifiedResource, name: string, why: string): ApiError {
  return new ApiError(403, 'Forbidden', `${qualified(r)} "${name}" is forbidden: ${why}`, details(r, name));
}

export function methodNotAllowed(): ApiError {
  return new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
}

export function pathNotFound(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
}

export function expired(message: string): ApiError {
  return new ApiError(410, 'Expired', message);
}

export function gone(message: string): ApiError {
  return new ApiError(410, 'Gone', message);
}

export function unsupportedMediaType(accepted: readonly string[]): ApiError {
  return new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`);
}

export function internalError(err: unknown): ApiError {
  const text = err instanceof Error ? err.message : String(err);
  return new ApiError(500, 'InternalError', `Internal error occurred: ${text}`, { causes: [{ reason: '', message: text, field: '' }] });
}

/**
 * 429: the request is refused for now and may succeed later (kubectl drain retries evictions on it). A positive
 * `retryAfterSeconds` goes into details, as Kubernetes puts it there; zero is left out.
 */
export function tooManyRequests(message: string, causes: StatusCause[] = [], retryAfterSeconds = 0): ApiError {
  assert(Number.isInteger(retryAfterSeconds) && retryAfterSeconds >= 0, 'retryAfterSeconds is a whole number of seconds');
  const d: StatusDetails = {};
  if (causes.length > 0) d.causes = causes;
  if (retryAfterSeconds > 0) d.retryAfterSeconds = retryAfterSeconds;
  return new ApiError(429, 'TooManyRequests', message, d);
}

export function serviceUnavailable(message: string): ApiError {
  return new ApiError(503, 'ServiceUnavailable', message);
}

// Cause helpers, with Kubernetes' reason names and message wording.
export const cause = {
  required: (field: string, detail = ''): StatusCause => ({ reason: 'FieldValueRequired', message: detail === '' ? 'Required value' : `Required value: ${detail}`, field }),
  invalid: (field: string, value: unknown, detail: string): StatusCause => ({
    reason: 'FieldValueInvalid',
    message: `Invalid value: ${JSON.stringify(value)}: ${detail}`,
    field,
  }),
  notSupported: (field: string, value: unknown, supported: readonly string[]): StatusCause => ({
    reason: 'FieldValueNotSupported',
    message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${supported.map((s) => `"${s}"`).join(', ')}`,
    field,
  }),
  forbidden: (field: string, detail: string): StatusCause => ({ reason: 'FieldValueForbidden', message: `Forbidden: ${detail}`, field }),
};

export function successStatus(details?: StatusDetails): Record<string, unknown> {
  const status: Record<string, unknown> = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' };
  if (details !== undefined) status.details = details;
  return status;
}
