// The door of the auth room: etcd's users, roles and key-range permissions as applied state, simple tokens, the
// permission gate the services call, and the auth log entries' applier.
export { AuthStore, ROOT_ROLE, ROOT_USER, type UserPermissions } from './auth-store.ts';
export { AuthError, AuthErrorCode, asRawAuthError, isAuthError } from './errors.ts';
export { AuthGate, AUTHORIZATION_METADATA_KEY, TOKEN_METADATA_KEY, tokenMetadata, type AuthGateOptions, type Caller, type PermissionCheck } from './gate.ts';
export { applyAuthEntry, internalAuthenticateCodec, simpleToken } from './apply-auth.ts';
export { DEFAULT_BCRYPT_COST, hashPassword, passwordMatches } from './password.ts';
export { mergePermissions, PermissionSet, PermissionType, type KeyPermission } from './permissions.ts';
export { AUTH_PREFIX } from './records.ts';
export type { RoleRecord, UserRecord } from './records.ts';
export { checkAuthTokenOption, SimpleTokens, type TokenClock } from './simple-tokens.ts';
