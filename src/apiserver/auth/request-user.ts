// The authenticated user of each request being served, for code deep in a request (admission) that is handed the
// request's user through WriteOptions. Set by the HTTP and gRPC guards on the request (or call) object: a WeakMap,
// not an AsyncLocalStorage, whose promise hooks cost every promise of the process CPU (~3 % of an apiserver's).
import type { UserInfo } from './user.ts';

const users = new WeakMap<object, UserInfo>();

export function bindUser(request: object, user: UserInfo): void {
  users.set(request, user);
}

/** undefined for a request no guard let through (internal writes, plaintext AlwaysAllow mode). */
export function userOf(request: object): UserInfo | undefined {
  return users.get(request);
}
