// The auth store applied through the entry applier, as every member applies it: etcd's errors and order of
// checks, persistence in the batch, the Raft snapshot carrying it, and stale permission checks refused.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AlarmStore } from '../apply/alarms.ts';
import { BaseApplier, buildApplierChain } from '../apply/applier.ts';
import { EntryApplier } from '../apply/entry-applier.ts';
import { encodeInternalRequest, type InternalRequestKind } from '../apply/internal-request.ts';
import { Lessor, ManualClock } from '../lease/index.ts';
import { MvccStore } from '../mvcc/index.ts';
import { loadEtcdProtos } from '../proto/index.ts';
import { internalAuthenticateCodec } from './apply-auth.ts';
import { AuthStore } from './auth-store.ts';
import { AuthErrorCode, isAuthError } from './errors.ts';
import { PermissionType } from './permissions.ts';
import { SimpleTokens } from './simple-tokens.ts';

const dirs: string[] = [];
const stores: MvccStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const { codecs } = loadEtcdProtos();
const enc = (type: string, msg: Record<string, unknown>) => codecs.type(`etcdserverpb.${type}`).encode(msg);

async function member() {
  const dir = mkdtempSync(join(tmpdir(), 'barque-auth-'));
  dirs.push(dir);
  const lessor = new Lessor({ clock: new ManualClock() });
  const store = await MvccStore.open(dir, { leaseExists: (id) => lessor.has(id) });
  stores.push(store);
  const alarms = await AlarmStore.open(store.database);
  const tokens = new SimpleTokens({ now: () => 0 }, 300_000);
  const auth = await AuthStore.open(store.database, codecs, tokens);
  const applier = buildApplierChain(new BaseApplier(store, lessor, alarms), { available: () => true }, alarms);
  const entries = new EntryApplier({ store, lessor, alarms, auth, applier, codecs });
  let index = store.consistentIndex;
  const apply = async (kind: InternalRequestKind, body: Buffer, authRevision?: bigint) => {
    index++;
    const [a] = await entries.applyEntries([{ index, data: encodeInternalRequest({ id: BigInt(index), kind, body, authRevision }) }]);
    return a.result;
  };
  return { store, auth, tokens, apply };
}

async function setUp(m: Awaited<ReturnType<typeof member>>) {
  await m.apply('auth_user_add', enc('AuthUserAddRequest', { name: 'root', password: '$2a$10$hash' }));
  await m.apply('auth_user_add', enc('AuthUserAddRequest', { name: 'alice', password: '$2a$10$hash' }));
  await m.apply('auth_role_add', enc('AuthRoleAddRequest', { name: 'r1' }));
  await m.apply('auth_role_grant_permission', enc('AuthRoleGrantPermissionRequest', { name: 'r1', perm: { permType: PermissionType.Read, key: Buffer.from('/a') } }));
  await m.apply('auth_user_grant_role', enc('AuthUserGrantRoleRequest', { user: 'alice', role: 'r1' }));
}

const errorOf = (r: { ok: boolean; error?: unknown }) => (r.ok ? undefined : (r as { error: unknown }).error);

describe('auth store: applied entries', () => {
  it('enabling needs a root user with the root role, as etcd', async () => {
    const m = await member();
    expect(isAuthError(errorOf(await m.apply('auth_enable', enc('AuthEnableRequest', {}))), AuthErrorCode.RootUserNotExist)).toBe(true);
    await setUp(m);
    expect(isAuthError(errorOf(await m.apply('auth_enable', enc('AuthEnableRequest', {}))), AuthErrorCode.RootRoleNotExist)).toBe(true);
    await m.apply('auth_user_grant_role', enc('AuthUserGrantRoleRequest', { user: 'root', role: 'root' }));
    expect((await m.apply('auth_enable', enc('AuthEnableRequest', {}))).ok).toBe(true);
    expect(m.auth.enabled).toBe(true);
    expect(isAuthError(errorOf(await m.apply('auth_user_delete', enc('AuthUserDeleteRequest', { name: 'root' }))), AuthErrorCode.InvalidAuthMgmt)).toBe(true);
  });

  it('answers etcd errors for duplicates, unknown names and ungranted permissions', async () => {
    const m = await member();
    await setUp(m);
    const cases: Array<[InternalRequestKind, Buffer, AuthErrorCode]> = [
      ['auth_user_add', enc('AuthUserAddRequest', { name: 'alice', password: 'x' }), AuthErrorCode.UserAlreadyExist],
      ['auth_user_add', enc('AuthUserAddRequest', { name: '', password: 'x' }), AuthErrorCode.UserEmpty],
      ['auth_role_add', enc('AuthRoleAddRequest', { name: '' }), AuthErrorCode.RoleEmpty],
      ['auth_role_add', enc('AuthRoleAddRequest', { name: 'r1' }), AuthErrorCode.RoleAlreadyExist],
      ['auth_user_grant_role', enc('AuthUserGrantRoleRequest', { user: 'alice', role: 'nope' }), AuthErrorCode.RoleNotFound],
      ['auth_user_grant_role', enc('AuthUserGrantRoleRequest', { user: 'nobody', role: 'r1' }), AuthErrorCode.UserNotFound],
      ['auth_user_revoke_role', enc('AuthUserRevokeRoleRequest', { name: 'alice', role: 'r9' }), AuthErrorCode.RoleNotGranted],
      ['auth_role_revoke_permission', enc('AuthRoleRevokePermissionRequest', { role: 'r1', key: Buffer.from('/b') }), AuthErrorCode.PermissionNotGranted],
      ['auth_role_delete', enc('AuthRoleDeleteRequest', { role: 'nope' }), AuthErrorCode.RoleNotFound],
      ['authenticate', internalAuthenticateCodec().encode({ name: 'alice', simple_token: 'x' }), AuthErrorCode.AuthNotEnabled],
    ];
    for (const [kind, body, code] of cases) expect(isAuthError(errorOf(await m.apply(kind, body)), code), `${kind} -> ${code}`).toBe(true);
  });

  it('refuses an entry checked against an older auth revision, and applies it when current', async () => {
    const m = await member();
    await setUp(m);
    const checkedAt = m.auth.revision;
    await m.apply('auth_role_revoke_permission', enc('AuthRoleRevokePermissionRequest', { role: 'r1', key: Buffer.from('/a') }));
    const put = enc('PutRequest', { key: Buffer.from('/a'), value: Buffer.from('v') });
    expect(isAuthError(errorOf(await m.apply('put', put, checkedAt)), AuthErrorCode.AuthOldRevision)).toBe(true);
    expect((await m.apply('put', put, m.auth.revision)).ok).toBe(true);
  });

  it('an Authenticate entry gives every member the token named by its index', async () => {
    const m = await member();
    await setUp(m);
    await m.apply('auth_user_grant_role', enc('AuthUserGrantRoleRequest', { user: 'root', role: 'root' }));
    await m.apply('auth_enable', enc('AuthEnableRequest', {}));
    const r = await m.apply('authenticate', internalAuthenticateCodec().encode({ name: 'alice', simple_token: 'AbCdEfGhIjKlMnOp' }));
    expect(r.ok).toBe(true);
    const token = r.ok ? String(r.response.token) : '';
    expect(token).toBe(`AbCdEfGhIjKlMnOp.${m.store.consistentIndex}`);
    expect(m.tokens.userOf(token)).toBe('alice');
    await m.apply('auth_user_change_password', enc('AuthUserChangePasswordRequest', { name: 'alice', password: '$2a$10$other' }));
    expect(m.tokens.userOf(token)).toBeUndefined();
  });

  it('persists with the batch, and travels in the store snapshot to another member', async () => {
    const a = await member();
    await setUp(a);
    await a.apply('auth_user_grant_role', enc('AuthUserGrantRoleRequest', { user: 'root', role: 'root' }));
    await a.apply('auth_enable', enc('AuthEnableRequest', {}));
    const snapshot = await a.store.snapshotData();
    const b = await member();
    await b.store.restoreFrom(snapshot);
    await b.auth.reload(b.store.database);
    expect(b.auth.enabled).toBe(true);
    expect(b.auth.revision).toBe(a.auth.revision);
    expect(b.auth.userNames()).toEqual(['alice', 'root']);
    expect(b.auth.user('alice')?.roles).toEqual(['r1']);
    expect(b.auth.role('r1')?.permissions).toEqual([{ permType: PermissionType.Read, key: Buffer.from('/a'), rangeEnd: Buffer.alloc(0) }]);
    expect(b.auth.permissionsOf('alice')?.read.permits(Buffer.from('/a'), undefined)).toBe(true);
  });
});
