// etcd's auth store as applied state: the enabled flag, users, roles and the auth revision, which every change
// bumps so a request checked against older state is refused at apply time. Changes come only from applying log
// entries (deterministic, same on every member); they are staged as database ops committed with the entry's batch.
// Errors are etcd's, in etcd's order of checks.
import type { DbOp, MvccDb } from '../mvcc/index.ts';
import type { CodecRegistry } from '../proto/index.ts';
import { AuthError, AuthErrorCode } from './errors.ts';
import { mergePermissions, type KeyPermission, type PermissionSet } from './permissions.ts';
import { AUTH_KEY_RANGE, decodeRecords, enabledOp, revisionOp, roleOp, userOp, type RoleRecord, type UserRecord } from './records.ts';
import type { SimpleTokens } from './simple-tokens.ts';

export const ROOT_USER = 'root';
export const ROOT_ROLE = 'root';

export interface UserPermissions {
  read: PermissionSet;
  write: PermissionSet;
}

const sortedInsert = (list: string[], item: string) => [...list, item].sort();

export class AuthStore {
  private enabledFlag = false;
  private rev = 1n;
  private readonly users = new Map<string, UserRecord>();
  private readonly roleMap = new Map<string, RoleRecord>();
  /** Merged permissions per user, rebuilt on first use after any change. */
  private readonly permCache = new Map<string, UserPermissions>();
  private pendingOps: DbOp[] = [];

  private constructor(
    private readonly codecs: CodecRegistry,
    readonly tokens: SimpleTokens,
  ) {}

  static async open(db: MvccDb, codecs: CodecRegistry, tokens: SimpleTokens): Promise<AuthStore> {
    const store = new AuthStore(codecs, tokens);
    await store.reload(db);
    return store;
  }

  /** Replaces the state with the database's records (start, or after a snapshot restore). */
  async reload(db: MvccDb): Promise<void> {
    const entries: Array<[Buffer, Buffer]> = [];
    for await (const entry of db.iterator(AUTH_KEY_RANGE)) entries.push(entry);
    const records = decodeRecords(this.codecs, entries);
    this.enabledFlag = records.enabled;
    this.rev = records.revision === 0n ? 1n : records.revision;
    this.users.clear();
    this.roleMap.clear();
    for (const u of records.users) this.users.set(u.name, u);
    for (const r of records.roles) this.roleMap.set(r.name, r);
    this.permCache.clear();
    this.pendingOps = [];
    if (!this.enabledFlag) this.tokens.clear();
  }

  get enabled(): boolean {
    return this.enabledFlag;
  }

  get revision(): bigint {
    return this.rev;
  }

  takeOps(): DbOp[] {
    const ops = this.pendingOps;
    this.pendingOps = [];
    return ops;
  }

  // ---- reads -------------------------------------------------------------------------------------------------

  user(name: string): UserRecord | undefined {
    return this.users.get(name);
  }

  userNames(): string[] {
    return [...this.users.keys()].sort();
  }

  role(name: string): RoleRecord | undefined {
    return this.roleMap.get(name);
  }

  roleNames(): string[] {
    return [...this.roleMap.keys()].sort();
  }

  hasRootRole(user: string): boolean {
    return this.users.get(user)?.roles.includes(ROOT_ROLE) === true;
  }

  /** The union of the user's roles' permissions; undefined for an unknown user. */
  permissionsOf(user: string): UserPermissions | undefined {
    const cached = this.permCache.get(user);
    if (cached !== undefined) return cached;
    const u = this.users.get(user);
    if (u === undefined) return undefined;
    const perms = u.roles.flatMap((r) => this.roleMap.get(r)?.permissions ?? []);
    const merged = mergePermissions(perms);
    this.permCache.set(user, merged);
    return merged;
  }

  // ---- changes (applied entries) -----------------------------------------------------------------------------

  enable(): void {
    if (this.enabledFlag) return;
    const root = this.users.get(ROOT_USER);
    if (root === undefined) throw new AuthError(AuthErrorCode.RootUserNotExist);
    if (!root.roles.includes(ROOT_ROLE)) throw new AuthError(AuthErrorCode.RootRoleNotExist);
    this.enabledFlag = true;
    this.pendingOps.push(enabledOp(true));
    // Unlike etcd, enabling bumps the revision too: a request checked while auth was off must be checked again.
    this.commitRevision();
  }

  disable(): void {
    if (!this.enabledFlag) return;
    this.enabledFlag = false;
    this.pendingOps.push(enabledOp(false));
    this.commitRevision();
    this.tokens.clear();
  }

  /** Authenticate's applied half (the password was checked before proposing): the token joins every member. */
  authenticate(name: string, token: string): void {
    if (!this.enabledFlag) throw new AuthError(AuthErrorCode.AuthNotEnabled);
    const user = this.users.get(name);
    if (user === undefined || user.noPassword) throw new AuthError(AuthErrorCode.AuthFailed);
    this.tokens.assign(token, name);
  }

  userAdd(name: string, passwordHash: string, noPassword: boolean): void {
    if (name.length === 0) throw new AuthError(AuthErrorCode.UserEmpty);
    if (this.users.has(name)) throw new AuthError(AuthErrorCode.UserAlreadyExist);
    this.putUser({ name, passwordHash: noPassword ? '' : passwordHash, roles: [], noPassword });
    this.commitRevision();
  }

  userDelete(name: string): void {
    if (this.enabledFlag && name === ROOT_USER) throw new AuthError(AuthErrorCode.InvalidAuthMgmt);
    if (!this.users.has(name)) throw new AuthError(AuthErrorCode.UserNotFound);
    this.users.delete(name);
    this.pendingOps.push(userOp(this.codecs, name, undefined));
    this.commitRevision();
    this.tokens.invalidateUser(name);
  }

  userChangePassword(name: string, passwordHash: string): void {
    const user = this.users.get(name);
    if (user === undefined) throw new AuthError(AuthErrorCode.UserNotFound);
    this.putUser({ ...user, passwordHash });
    this.commitRevision();
    this.tokens.invalidateUser(name);
  }

  userGrantRole(name: string, role: string): void {
    const user = this.users.get(name);
    if (user === undefined) throw new AuthError(AuthErrorCode.UserNotFound);
    // The root role needs no record: granting it is how root gets full access.
    if (role !== ROOT_ROLE && !this.roleMap.has(role)) throw new AuthError(AuthErrorCode.RoleNotFound);
    if (user.roles.includes(role)) return; // as etcd: granted twice is fine and changes nothing
    this.putUser({ ...user, roles: sortedInsert(user.roles, role) });
    this.commitRevision();
  }

  userRevokeRole(name: string, role: string): void {
    if (this.enabledFlag && name === ROOT_USER && role === ROOT_ROLE) throw new AuthError(AuthErrorCode.InvalidAuthMgmt);
    const user = this.users.get(name);
    if (user === undefined) throw new AuthError(AuthErrorCode.UserNotFound);
    if (!user.roles.includes(role)) throw new AuthError(AuthErrorCode.RoleNotGranted);
    this.putUser({ ...user, roles: user.roles.filter((r) => r !== role) });
    this.commitRevision();
  }

  roleAdd(name: string): void {
    if (name.length === 0) throw new AuthError(AuthErrorCode.RoleEmpty);
    if (this.roleMap.has(name)) throw new AuthError(AuthErrorCode.RoleAlreadyExist);
    this.putRole({ name, permissions: [] });
    this.commitRevision();
  }

  roleDelete(name: string): void {
    if (this.enabledFlag && name === ROOT_ROLE) throw new AuthError(AuthErrorCode.InvalidAuthMgmt);
    if (!this.roleMap.has(name)) throw new AuthError(AuthErrorCode.RoleNotFound);
    this.roleMap.delete(name);
    this.pendingOps.push(roleOp(this.codecs, name, undefined));
    for (const user of this.users.values()) {
      if (user.roles.includes(name)) this.putUser({ ...user, roles: user.roles.filter((r) => r !== name) });
    }
    this.commitRevision();
  }

  /** A permission on the same key and range end replaces the old one's type; others are added in key order. */
  roleGrantPermission(name: string, perm: KeyPermission): void {
    const role = this.roleMap.get(name);
    if (role === undefined) throw new AuthError(AuthErrorCode.RoleNotFound);
    const same = (p: KeyPermission) => p.key.equals(perm.key) && p.rangeEnd.equals(perm.rangeEnd);
    const permissions = role.permissions.some(same)
      ? role.permissions.map((p) => (same(p) ? { ...p, permType: perm.permType } : p))
      : [...role.permissions, perm].sort((a, b) => Buffer.compare(a.key, b.key));
    this.putRole({ name, permissions });
    this.commitRevision();
  }

  roleRevokePermission(name: string, key: Buffer, rangeEnd: Buffer): void {
    const role = this.roleMap.get(name);
    if (role === undefined) throw new AuthError(AuthErrorCode.RoleNotFound);
    const kept = role.permissions.filter((p) => !(p.key.equals(key) && p.rangeEnd.equals(rangeEnd)));
    if (kept.length === role.permissions.length) throw new AuthError(AuthErrorCode.PermissionNotGranted);
    this.putRole({ name, permissions: kept });
    this.commitRevision();
  }

  private putUser(user: UserRecord): void {
    this.users.set(user.name, user);
    this.pendingOps.push(userOp(this.codecs, user.name, user));
  }

  private putRole(role: RoleRecord): void {
    this.roleMap.set(role.name, role);
    this.pendingOps.push(roleOp(this.codecs, role.name, role));
  }


  private commitRevision(): void {
    this.rev += 1n;
    this.permCache.clear();
    this.pendingOps.push(revisionOp(this.rev));
  }
}
