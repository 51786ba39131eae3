// Operating errors of authentication and authorization. Two texts each, both etcd's: the client API's
// ("etcdserver: ...", what clients match on) and the auth package's own ("auth: ..."), which etcd 3.4 lets through
// untranslated on a few paths (Maintenance's admin checks, a password given for a no-password user).
// grpc-errors.ts maps them to the wire.

export enum AuthErrorCode {
  RootUserNotExist = 'RootUserNotExist',
  RootRoleNotExist = 'RootRoleNotExist',
  UserAlreadyExist = 'UserAlreadyExist',
  UserEmpty = 'UserEmpty',
  UserNotFound = 'UserNotFound',
  RoleAlreadyExist = 'RoleAlreadyExist',
  RoleNotFound = 'RoleNotFound',
  RoleEmpty = 'RoleEmpty',
  AuthFailed = 'AuthFailed',
  NoPasswordUser = 'NoPasswordUser',
  PermissionDenied = 'PermissionDenied',
  RoleNotGranted = 'RoleNotGranted',
  PermissionNotGranted = 'PermissionNotGranted',
  AuthNotEnabled = 'AuthNotEnabled',
  InvalidAuthToken = 'InvalidAuthToken',
  InvalidAuthMgmt = 'InvalidAuthMgmt',
  AuthOldRevision = 'AuthOldRevision',
}

const TEXTS: Readonly<Record<AuthErrorCode, { api: string; raw: string }>> = {
  [AuthErrorCode.RootUserNotExist]: { api: 'etcdserver: root user does not exist', raw: 'auth: root user does not exist' },
  [AuthErrorCode.RootRoleNotExist]: { api: 'etcdserver: root user does not have root role', raw: 'auth: root user does not have root role' },
  [AuthErrorCode.UserAlreadyExist]: { api: 'etcdserver: user name already exists', raw: 'auth: user already exists' },
  [AuthErrorCode.UserEmpty]: { api: 'etcdserver: user name is empty', raw: 'auth: user name is empty' },
  [AuthErrorCode.UserNotFound]: { api: 'etcdserver: user name not found', raw: 'auth: user not found' },
  [AuthErrorCode.RoleAlreadyExist]: { api: 'etcdserver: role name already exists', raw: 'auth: role already exists' },
  [AuthErrorCode.RoleNotFound]: { api: 'etcdserver: role name not found', raw: 'auth: role not found' },
  [AuthErrorCode.RoleEmpty]: { api: 'etcdserver: role name is empty', raw: 'auth: role name is empty' },
  [AuthErrorCode.AuthFailed]: {
    api: 'etcdserver: authentication failed, invalid user ID or password',
    raw: 'auth: authentication failed, invalid user ID or password',
  },
  // etcd 3.4's client API has no translation for this one: it always travels raw.
  [AuthErrorCode.NoPasswordUser]: {
    api: 'auth: authentication failed, password was given for no password user',
    raw: 'auth: authentication failed, password was given for no password user',
  },
  [AuthErrorCode.PermissionDenied]: { api: 'etcdserver: permission denied', raw: 'auth: permission denied' },
  [AuthErrorCode.RoleNotGranted]: { api: 'etcdserver: role is not granted to the user', raw: 'auth: role is not granted to the user' },
  [AuthErrorCode.PermissionNotGranted]: { api: 'etcdserver: permission is not granted to the role', raw: 'auth: permission is not granted to the role' },
  [AuthErrorCode.AuthNotEnabled]: { api: 'etcdserver: authentication is not enabled', raw: 'auth: authentication is not enabled' },
  [AuthErrorCode.InvalidAuthToken]: { api: 'etcdserver: invalid auth token', raw: 'auth: invalid auth token' },
  [AuthErrorCode.InvalidAuthMgmt]: { api: 'etcdserver: invalid auth management', raw: 'auth: invalid auth management' },
  [AuthErrorCode.AuthOldRevision]: { api: 'etcdserver: revision of auth store is old', raw: 'auth: revision in header is old' },
};

export class AuthError extends Error {
  /** Whether the client sees the auth package's own text (as Unknown) rather than the client API's. */
  readonly raw: boolean;
  constructor(
    readonly code: AuthErrorCode,
    options: { raw?: boolean } = {},
  ) {
    const raw = options.raw === true || code === AuthErrorCode.NoPasswordUser;
    super(raw ? TEXTS[code].raw : TEXTS[code].api);
    this.name = 'AuthError';
    this.raw = raw;
  }
}

export function isAuthError(err: unknown, code?: AuthErrorCode): err is AuthError {
  return err instanceof AuthError && (code === undefined || err.code === code);
}

/** The same error as the auth package's raw text (etcd's Maintenance admin checks answer so). */
export function asRawAuthError(err: unknown): unknown {
  return isAuthError(err) && !err.raw ? new AuthError(err.code, { raw: true }) : err;
}
