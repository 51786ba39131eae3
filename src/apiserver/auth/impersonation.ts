// Impersonate-User / Impersonate-Group headers (kubectl --as, --as-group): the caller must be allowed the
// `impersonate` verb on the user and on each group; the request then runs as that user. Without the right: 403.
import type { IncomingHttpHeaders } from 'node:http';
import type { Attributes } from './attributes.ts';
import type { Authorizer } from './decision.ts';
import { forbidden } from './responses.ts';
import { authenticated, type UserInfo } from './user.ts';

const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export async function impersonate(user: UserInfo, headers: IncomingHttpHeaders, authorizer: Authorizer): Promise<UserInfo> {
  const target = asList(headers['impersonate-user'])[0];
  const groups = asList(headers['impersonate-group']);
  if (target === undefined) return user;
  const check = async (resource: string, name: string): Promise<void> => {
    const attrs: Attributes = { user, verb: 'impersonate', resourceRequest: true, path: '', apiGroup: '', apiVersion: 'v1', resource, subresource: '', namespace: '', name };
    const d = await authorizer.authorize(attrs);
    if (d.verdict !== 'allow') throw forbidden(attrs, d.reason);
  };
  await check('users', target);
  for (const g of groups) await check('groups', g);
  return authenticated({ name: target, groups });
}
