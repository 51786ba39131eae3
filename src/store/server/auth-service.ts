// etcd's Auth service. Changes go through the log as auth entries (src/store/auth applies them on every member),
// checked first by the gate: with auth on, only root manages users and roles, though a user may read itself and
// its roles. Passwords are hashed before proposing and checked before Authenticate is proposed; the entry then
// hands every member the same simple token.
import { randomInt } from 'node:crypto';
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import type { AuthRequestKind } from '../apply/internal-request.ts';
import type { Wire } from '../apply/wire-convert.ts';
import { AuthError, AuthErrorCode, hashPassword, internalAuthenticateCodec, passwordMatches, type PermissionCheck } from '../auth/index.ts';
import type { ServerContext } from './context.ts';
import { responseHeader } from './context.ts';
import { proposeAndWait, unary } from './handlers.ts';
import { rawBytesOf } from './raw-requests.ts';

/** Authenticate proposes again when auth changed while the password was being checked; bounded. */
const MAX_AUTHENTICATE_ATTEMPTS = 8;
const TOKEN_LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const TOKEN_PREFIX_LENGTH = 16;

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

export function authService(ctx: ServerContext): UntypedServiceImplementation {
  const gate = ctx.auth;
  const store = gate.store;
  const typeName = (kind: AuthRequestKind) =>
    `etcdserverpb.${kind.split('_').map((w) => w[0].toUpperCase() + w.slice(1)).join('')}Request`;
  /** An admin change through the log, as the client sent it (or re-encoded with a hashed password). */
  const change = (kind: AuthRequestKind, prepare?: (req: Wire) => Promise<Wire>) =>
    unary(ctx, async (req, call) => {
      const body = prepare === undefined ? (rawBytesOf(req) ?? ctx.codecs.type(typeName(kind)).encode(req)) : ctx.codecs.type(typeName(kind)).encode(await prepare(req));
      const authorize = () => gate.authorize(call.metadata, (p) => p.admin());
      authorize(); // refused before the (slow) hashing, not only when proposing
      return (await proposeAndWait(ctx, { kind, body }, authorize)).response;
    });
  const hashed = async (req: Wire): Promise<Wire> => ({ ...req, password: await hashPassword(str(req.password), gate.bcryptCost) });
  /** A linearizable read of auth state, root only unless `alsoAllowed` says the caller may see it. */
  const read = (respond: (req: Wire) => Wire, alsoAllowed?: (req: Wire, p: PermissionCheck) => boolean) =>
    unary(ctx, async (req, call) => {
      await ctx.proposer.readBarrier();
      gate.authorize(call.metadata, (p) => {
        try {
          p.admin();
        } catch (err) {
          if (alsoAllowed === undefined || !alsoAllowed(req, p)) throw err;
        }
      });
      return { header: responseHeader(ctx), ...respond(req) };
    });
  return {
    AuthEnable: change('auth_enable'),
    AuthDisable: change('auth_disable'),
    Authenticate: unary(ctx, (req) => authenticate(ctx, str(req.name), str(req.password))),
    UserAdd: change('auth_user_add', async (req) => ((req.options as Wire | null)?.no_password === true ? { ...req, password: '' } : hashed(req))),
    UserDelete: change('auth_user_delete'),
    UserChangePassword: change('auth_user_change_password', hashed),
    UserGrantRole: change('auth_user_grant_role'),
    UserRevokeRole: change('auth_user_revoke_role'),
    RoleAdd: change('auth_role_add'),
    RoleDelete: change('auth_role_delete'),
    RoleGrantPermission: change('auth_role_grant_permission'),
    RoleRevokePermission: change('auth_role_revoke_permission'),
    UserGet: read(
      (req) => {
        const user = store.user(str(req.name));
        if (user === undefined) throw new AuthError(AuthErrorCode.UserNotFound);
        return { roles: user.roles };
      },
      (req, p) => p.caller?.user === str(req.name),
    ),
    UserList: read(() => ({ users: store.userNames() })),
    RoleGet: read(
      (req) => {
        const role = store.role(str(req.role));
        if (role === undefined) throw new AuthError(AuthErrorCode.RoleNotFound);
        return { perm: role.permissions.map((p) => ({ permType: p.permType, key: p.key, range_end: p.rangeEnd })) };
      },
      (req, p) => p.caller !== undefined && store.user(p.caller.user)?.roles.includes(str(req.role)) === true,
    ),
    RoleList: read(() => ({ roles: store.roleNames() })),
  };
}

/**
 * etcd's Authenticate: the password is checked here (bcrypt, slow, so not in the log), then an entry carrying a
 * fresh random token prefix goes through the log; its index completes the token. If auth changed meanwhile, the
 * check is repeated.
 */
async function authenticate(ctx: ServerContext, name: string, password: string): Promise<Wire> {
  const store = ctx.auth.store;
  for (let attempt = 1; ; attempt++) {
    if (!store.enabled) throw new AuthError(AuthErrorCode.AuthNotEnabled);
    const checkedRevision = store.revision;
    const user = store.user(name);
    if (user === undefined) throw new AuthError(AuthErrorCode.AuthFailed);
    if (user.noPassword) throw new AuthError(AuthErrorCode.NoPasswordUser);
    if (!(await passwordMatches(password, user.passwordHash))) throw new AuthError(AuthErrorCode.AuthFailed);
    const body = internalAuthenticateCodec().encode({ name, simple_token: tokenPrefix() });
    const { response } = await proposeAndWait(ctx, { kind: 'authenticate', body });
    if (store.revision === checkedRevision || attempt >= MAX_AUTHENTICATE_ATTEMPTS) return response;
  }
}

function tokenPrefix(): string {
  let s = '';
  for (let i = 0; i < TOKEN_PREFIX_LENGTH; i++) s += TOKEN_LETTERS[randomInt(TOKEN_LETTERS.length)];
  return s;
}

