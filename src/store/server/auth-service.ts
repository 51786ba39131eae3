// etcd's Auth service while authentication is disabled (barque has no auth yet): what a fresh etcd 3.4 answers
// with auth off and no users or roles. Lists are empty; lookups find nothing; Authenticate says auth is not
// enabled; enabling fails because there is no root user; changes are refused.
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { ServerError, ServerErrorCode } from '../apply/errors.ts';
import type { ServerContext } from './context.ts';
import { responseHeader } from './context.ts';
import { unary } from './handlers.ts';

export function authService(ctx: ServerContext): UntypedServiceImplementation {
  const fail = (code: ServerErrorCode) =>
    unary(ctx, () => {
      throw new ServerError(code);
    });
  const ok = unary(ctx, () => ({ header: responseHeader(ctx) }));
  return {
    AuthEnable: fail(ServerErrorCode.RootUserNotExist),
    AuthDisable: ok,
    Authenticate: fail(ServerErrorCode.AuthNotEnabled),
    UserList: unary(ctx, () => ({ header: responseHeader(ctx), users: [] })),
    RoleList: unary(ctx, () => ({ header: responseHeader(ctx), roles: [] })),
    UserGet: fail(ServerErrorCode.UserNotFound),
    UserDelete: fail(ServerErrorCode.UserNotFound),
    UserChangePassword: fail(ServerErrorCode.UserNotFound),
    UserGrantRole: fail(ServerErrorCode.UserNotFound),
    UserRevokeRole: fail(ServerErrorCode.UserNotFound),
    RoleGet: fail(ServerErrorCode.RoleNotFound),
    RoleDelete: fail(ServerErrorCode.RoleNotFound),
    RoleGrantPermission: fail(ServerErrorCode.RoleNotFound),
    RoleRevokePermission: fail(ServerErrorCode.RoleNotFound),
    UserAdd: fail(ServerErrorCode.NotCapable),
    RoleAdd: fail(ServerErrorCode.NotCapable),
  };
}
