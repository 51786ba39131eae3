// Applies an auth log entry to the auth store: decodes etcd's request (or our InternalAuthenticateRequest) and
// answers etcd's response message. Called by the entry applier inside the entry's batch.
import type { AuthRequestKind } from '../apply/internal-request.ts';
import type { Wire } from '../apply/wire-convert.ts';
import { createMessageCodec, loadProtoRoot, PROTO_ROOT, type CodecRegistry, type MessageCodec } from '../proto/index.ts';
import type { AuthStore } from './auth-store.ts';
import type { PermissionType } from './permissions.ts';

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const bytes = (v: unknown): Buffer => (Buffer.isBuffer(v) ? v : Buffer.alloc(0));

let authenticateCodec: MessageCodec<Wire> | undefined;

/** barque.store.InternalAuthenticateRequest (proto/internal.proto): what an Authenticate entry carries. */
export function internalAuthenticateCodec(): MessageCodec<Wire> {
  authenticateCodec ??= createMessageCodec<Wire>(loadProtoRoot(PROTO_ROOT, ['internal.proto']).lookupType('barque.store.InternalAuthenticateRequest'));
  return authenticateCodec;
}

/** The simple token an Authenticate entry at this index hands out. */
export const simpleToken = (prefix: string, index: number): string => `${prefix}.${index}`;

export function applyAuthEntry(auth: AuthStore, codecs: CodecRegistry, kind: AuthRequestKind, body: Buffer, index: number, revision: number): Wire {
  const decode = (type: string): Wire => codecs.type(type).decode(body);
  const header = { revision: BigInt(revision) };
  switch (kind) {
    case 'auth_enable':
      auth.enable();
      break;
    case 'auth_disable':
      auth.disable();
      break;
    case 'authenticate': {
      const w = internalAuthenticateCodec().decode(body);
      const token = simpleToken(str(w.simple_token), index);
      auth.authenticate(str(w.name), token);
      return { header, token };
    }
    case 'auth_user_add': {
      const w = decode('etcdserverpb.AuthUserAddRequest');
      const options = w.options as Wire | null;
      auth.userAdd(str(w.name), str(w.password), options?.no_password === true);
      break;
    }
    case 'auth_user_delete':
      auth.userDelete(str(decode('etcdserverpb.AuthUserDeleteRequest').name));
      break;
    case 'auth_user_change_password': {
      const w = decode('etcdserverpb.AuthUserChangePasswordRequest');
      auth.userChangePassword(str(w.name), str(w.password));
      break;
    }
    case 'auth_user_grant_role': {
      const w = decode('etcdserverpb.AuthUserGrantRoleRequest');
      auth.userGrantRole(str(w.user), str(w.role));
      break;
    }
    case 'auth_user_revoke_role': {
      const w = decode('etcdserverpb.AuthUserRevokeRoleRequest');
      auth.userRevokeRole(str(w.name), str(w.role));
      break;
    }
    case 'auth_role_add':
      auth.roleAdd(str(decode('etcdserverpb.AuthRoleAddRequest').name));
      break;
    case 'auth_role_delete':
      auth.roleDelete(str(decode('etcdserverpb.AuthRoleDeleteRequest').role));
      break;
    case 'auth_role_grant_permission': {
      const w = decode('etcdserverpb.AuthRoleGrantPermissionRequest');
      const p = (w.perm as Wire | null) ?? {};
      auth.roleGrantPermission(str(w.name), { permType: (p.permType as PermissionType) ?? 0, key: bytes(p.key), rangeEnd: bytes(p.range_end) });
      break;
    }
    case 'auth_role_revoke_permission': {
      const w = decode('etcdserverpb.AuthRoleRevokePermissionRequest');
      auth.roleRevokePermission(str(w.role), bytes(w.key), bytes(w.range_end));
      break;
    }
  }
  return { header };
}
