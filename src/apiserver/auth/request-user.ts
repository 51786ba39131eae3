// The authenticated user of the request being served, for code deep in a request (admission) that has no
// parameter for it. Set by the HTTP and gRPC guards around each call.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { UserInfo } from './user.ts';

const storage = new AsyncLocalStorage<UserInfo>();

export function runAs<T>(user: UserInfo, work: () => T): T {
  return storage.run(user, work);
}

/** undefined outside a guarded request (internal writes, plaintext AlwaysAllow mode). */
export function requestUser(): UserInfo | undefined {
  return storage.getStore();
}
