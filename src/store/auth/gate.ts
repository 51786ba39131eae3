// Who is calling and what they may do: etcd's AuthInfoFromCtx and its permission checks, run by the services
// before a request is served or proposed. With auth off a check costs one flag test. The auth revision a request
// was checked against goes into its log entry; applying refuses it when auth changed since (the member then
// checks again), so a permission change can never be bypassed by a request checked just before it.
import type { Metadata } from '@grpc/grpc-js';
import type { DeleteRangeRequest, PutRequest, RequestOp, TxnRequest } from '../mvcc/index.ts';
import { ROOT_ROLE, type AuthStore } from './auth-store.ts';
import { AuthError, AuthErrorCode } from './errors.ts';
import { DEFAULT_BCRYPT_COST } from './password.ts';
import { tokenIndex } from './simple-tokens.ts';

/** etcd's AuthInfo: the user and the auth revision its permissions were read at. */
export interface Caller {
  user: string;
  revision: bigint;
}

/** The checks one request needs, on behalf of its caller; each throws etcd's AuthError. */
export interface PermissionCheck {
  read(key: Buffer, rangeEnd?: Buffer): void;
  write(key: Buffer, rangeEnd?: Buffer): void;
  put(req: PutRequest): void;
  deleteRange(req: DeleteRangeRequest): void;
  txn(req: TxnRequest): void;
  /** Revoking a lease deletes its keys: the caller must be allowed to write every one. */
  leaseRevoke(lease: bigint): void;
  /** Root only (user and role management, member changes, defragment, snapshot, hashes, move-leader). */
  admin(): void;
  readonly caller: Caller | undefined;
}

export interface AuthGateOptions {
  /** Keys attached to a lease (MvccStore.keysForLease). */
  leaseKeys: (lease: bigint) => Buffer[];
  /**
   * TLS hook (etcd's --client-cert-auth): the user named by the verified client certificate's CN, for calls
   * without a token (src/store/server/certificate-users.ts).
   */
  certificateUser?: (metadata: Metadata) => string | undefined;
  /** bcrypt cost of new password hashes (etcd's --bcrypt-cost, default 10). */
  bcryptCost?: number;
}

/** gRPC metadata key clients put the token under (clientv3's TokenFieldNameGRPC). */
export const TOKEN_METADATA_KEY = 'token';
/** Read when `token` is absent, as etcd does: where the gRPC gateway and other clients put it (TokenFieldNameSwagger). */
export const AUTHORIZATION_METADATA_KEY = 'authorization';

/** The call's token metadata: `token`, else `authorization` (etcd's order; the value is taken as it is). */
export function tokenMetadata(metadata: Metadata): ReturnType<Metadata['get']> {
  const token = metadata.get(TOKEN_METADATA_KEY);
  return token.length > 0 ? token : metadata.get(AUTHORIZATION_METADATA_KEY);
}

export class AuthGate {
  constructor(
    readonly store: AuthStore,
    private readonly options: AuthGateOptions,
  ) {}

  get enabled(): boolean {
    return this.store.enabled;
  }

  get bcryptCost(): number {
    return this.options.bcryptCost ?? DEFAULT_BCRYPT_COST;
  }

  /**
   * The index of the Authenticate entry the call's token names, when this member does not know the token and has
   * not applied that entry yet (a client may authenticate through one member and call another that lags). As
   * etcd, the token is judged only once that entry is applied here. Undefined otherwise: judge it now.
   */
  unappliedTokenIndex(metadata: Metadata, appliedIndex: number): number | undefined {
    if (!this.store.enabled) return undefined;
    const token = tokenMetadata(metadata);
    if (token.length === 0) return undefined;
    const text = String(token[0]);
    if (this.store.tokens.has(text)) return undefined;
    const index = tokenIndex(text);
    return index !== undefined && index > appliedIndex ? index : undefined;
  }

  /** The caller a request's metadata names; undefined without credentials or with auth off. */
  callerOf(metadata: Metadata): Caller | undefined {
    if (!this.store.enabled) return undefined;
    const token = tokenMetadata(metadata);
    if (token.length > 0) {
      const user = this.store.tokens.userOf(String(token[0]));
      if (user === undefined) throw new AuthError(AuthErrorCode.InvalidAuthToken);
      return { user, revision: this.store.revision };
    }
    const cn = this.options.certificateUser?.(metadata);
    return cn === undefined ? undefined : { user: cn, revision: this.store.revision };
  }

  /**
   * Runs the request's checks (none with auth off) and returns the auth revision to stamp on its log entry.
   * Throws etcd's AuthError when the request is not allowed.
   */
  authorize(metadata: Metadata, check?: (p: PermissionCheck) => void): bigint {
    const revision = this.store.revision;
    if (!this.store.enabled || check === undefined) return revision;
    check(this.checkFor(this.callerOf(metadata)));
    return revision;
  }

  /** The checks on behalf of a caller (undefined: no credentials). */
  checkFor(caller: Caller | undefined): PermissionCheck {
    const read = (key: Buffer, rangeEnd?: Buffer) => this.permitted(caller, 'read', key, rangeEnd);
    const write = (key: Buffer, rangeEnd?: Buffer) => this.permitted(caller, 'write', key, rangeEnd);
    const leaseRevoke = (lease: bigint) => {
      if (lease === 0n) return;
      for (const key of this.options.leaseKeys(lease)) write(key);
    };
    const put = (req: PutRequest) => {
      write(req.key);
      // A lease with keys this caller cannot write could not be revoked by it: attaching more is refused too.
      leaseRevoke(req.lease ?? 0n);
      if (req.prevKv) read(req.key);
    };
    const deleteRange = (req: DeleteRangeRequest) => {
      write(req.key, req.rangeEnd);
      if (req.prevKv) read(req.key, req.rangeEnd);
    };
    const op = (o: RequestOp): void => {
      if ('requestRange' in o) read(o.requestRange.key, o.requestRange.rangeEnd);
      else if ('requestPut' in o) put(o.requestPut);
      else if ('requestDeleteRange' in o) deleteRange(o.requestDeleteRange);
      else txn(o.requestTxn);
    };
    const txn = (req: TxnRequest): void => {
      for (const c of req.compare ?? []) read(c.key, c.rangeEnd);
      for (const o of req.success ?? []) op(o);
      for (const o of req.failure ?? []) op(o);
    };
    return { read, write, put, deleteRange, txn, leaseRevoke, admin: () => this.admin(caller), caller };
  }

  /** etcd's IsAdminPermitted. */
  private admin(caller: Caller | undefined): void {
    if (!this.store.enabled) return;
    if (caller === undefined || caller.user === '') throw new AuthError(AuthErrorCode.UserEmpty);
    const user = this.store.user(caller.user);
    if (user === undefined) throw new AuthError(AuthErrorCode.UserNotFound);
    if (!user.roles.includes(ROOT_ROLE)) throw new AuthError(AuthErrorCode.PermissionDenied);
  }

  /** etcd's isOpPermitted: root may do anything; others what their roles' permissions cover. */
  private permitted(caller: Caller | undefined, kind: 'read' | 'write', key: Buffer, rangeEnd: Buffer | undefined): void {
    if (!this.store.enabled) return;
    if (caller === undefined) throw new AuthError(AuthErrorCode.UserEmpty);
    if (this.store.hasRootRole(caller.user)) return;
    const perms = this.store.permissionsOf(caller.user);
    if (perms === undefined || !perms[kind].permits(key, rangeEnd)) throw new AuthError(AuthErrorCode.PermissionDenied);
  }
}
