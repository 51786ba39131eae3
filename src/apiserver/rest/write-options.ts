// The query parameters of writes that concern field management (fieldManager, force), checked as kube-apiserver
// checks CreateOptions / UpdateOptions / PatchOptions, and the body of an apply patch (YAML or JSON).
import { CORE_SCHEMA, load } from 'js-yaml';
import { managerFromUserAgent } from '../patch/index.ts';
import type { UserInfo } from '../auth/user.ts';
import { ApiError, badRequest, type StatusCause } from './status.ts';

export interface WriteOptions {
  /** The manager recorded in managedFields: the fieldManager parameter, else the user agent's product name. */
  fieldManager?: string;
  /** Apply only: take over conflicting fields. */
  force?: boolean;
  /** Internal: managedFields were already computed (create on apply). */
  managedFieldsSet?: boolean;
  /** The authenticated requester, for admission (NodeRestriction); undefined for internal writes. */
  user?: UserInfo;
}

const FIELD_MANAGER_LENGTH_MAX = 128;

export function writeOptions(verb: 'Create' | 'Update' | 'Patch', q: URLSearchParams, userAgent: string | undefined, apply = false, user?: UserInfo): WriteOptions {
  const fieldManager = q.get('fieldManager') ?? '';
  const force = q.get('force');
  const causes: StatusCause[] = [];
  if (verb === 'Patch' && !apply && force !== null) {
    causes.push({ reason: 'FieldValueForbidden', message: 'Forbidden: may not be specified for non-apply patch', field: 'force' });
  }
  if (apply && fieldManager === '') causes.push({ reason: 'FieldValueRequired', message: 'Required value: is required for apply patch', field: 'fieldManager' });
  if (fieldManager.length > FIELD_MANAGER_LENGTH_MAX) {
    causes.push({ reason: 'FieldValueTooLong', message: `Too long: may not be more than ${FIELD_MANAGER_LENGTH_MAX} bytes`, field: 'fieldManager' });
  }
  if (causes.length > 0) {
    const list = causes.map((c) => `${c.field}: ${c.message}`);
    const summary = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
    throw new ApiError(422, 'Invalid', `${verb}Options.meta.k8s.io "" is invalid: ${summary}`, { group: 'meta.k8s.io', kind: `${verb}Options`, causes });
  }
  return { fieldManager: fieldManager !== '' ? fieldManager : managerFromUserAgent(userAgent), force: force === 'true', ...(user === undefined ? {} : { user }) };
}

/** An apply patch is YAML (JSON being YAML too); no YAML timestamps or binaries, as Kubernetes' YAML-to-JSON. */
export function parseApplyBody(body: Buffer): unknown {
  try {
    return load(body.toString('utf8'), { schema: CORE_SCHEMA });
  } catch (err) {
    throw badRequest(`error decoding YAML: ${(err as Error).message}`);
  }
}
