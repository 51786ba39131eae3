// The one place where operating errors become gRPC statuses: etcd's status code and exact text per error, because
// clients (clientv3, etcdctl, the etcd3 npm client) match on the text.
import { status as Status, type ServiceError, Metadata } from '@grpc/grpc-js';
import { isServerError, ServerErrorCode } from '../apply/errors.ts';
import { AuthErrorCode, isAuthError } from '../auth/index.ts';
import { EmptyRequestOpError } from '../apply/wire-convert.ts';
import { isLeaseError, LeaseErrorCode } from '../lease/index.ts';
import { isMvccError, MvccErrorCode } from '../mvcc/index.ts';
import { CanceledError, ElectionError, SessionExpiredError, ThroughClientError } from './concurrency-errors.ts';

const MVCC_CODES: Readonly<Record<MvccErrorCode, Status>> = {
  [MvccErrorCode.Compacted]: Status.OUT_OF_RANGE,
  [MvccErrorCode.FutureRev]: Status.OUT_OF_RANGE,
  [MvccErrorCode.KeyNotFound]: Status.INVALID_ARGUMENT,
  [MvccErrorCode.EmptyKey]: Status.INVALID_ARGUMENT,
  [MvccErrorCode.TooManyOps]: Status.INVALID_ARGUMENT,
  [MvccErrorCode.DuplicateKey]: Status.INVALID_ARGUMENT,
  [MvccErrorCode.LeaseNotFound]: Status.NOT_FOUND,
  [MvccErrorCode.ValueProvided]: Status.INVALID_ARGUMENT,
  [MvccErrorCode.LeaseProvided]: Status.INVALID_ARGUMENT,
};

const LEASE_CODES: Readonly<Record<LeaseErrorCode, Status>> = {
  [LeaseErrorCode.NotFound]: Status.NOT_FOUND,
  [LeaseErrorCode.Exists]: Status.FAILED_PRECONDITION,
  [LeaseErrorCode.TtlTooLarge]: Status.OUT_OF_RANGE,
  [LeaseErrorCode.NotPrimary]: Status.UNAVAILABLE,
  [LeaseErrorCode.Expired]: Status.NOT_FOUND,
};

const SERVER_CODES: Readonly<Record<ServerErrorCode, Status>> = {
  [ServerErrorCode.NoSpace]: Status.RESOURCE_EXHAUSTED,
  [ServerErrorCode.RequestTooLarge]: Status.INVALID_ARGUMENT,
  [ServerErrorCode.TooManyRequests]: Status.RESOURCE_EXHAUSTED,
  [ServerErrorCode.NoLeader]: Status.UNAVAILABLE,
  [ServerErrorCode.Stopped]: Status.UNAVAILABLE,
  [ServerErrorCode.Timeout]: Status.UNAVAILABLE,
  [ServerErrorCode.TimeoutDueToLeaderFail]: Status.UNAVAILABLE,
  [ServerErrorCode.LeaderChanged]: Status.UNAVAILABLE,
  [ServerErrorCode.NotLeader]: Status.FAILED_PRECONDITION,
  [ServerErrorCode.TimeoutLeaderTransfer]: Status.UNAVAILABLE,
  [ServerErrorCode.NotCapable]: Status.UNAVAILABLE,
  [ServerErrorCode.AuthNotEnabled]: Status.FAILED_PRECONDITION,
  [ServerErrorCode.RootUserNotExist]: Status.FAILED_PRECONDITION,
  [ServerErrorCode.UserNotFound]: Status.FAILED_PRECONDITION,
  [ServerErrorCode.RoleNotFound]: Status.FAILED_PRECONDITION,
  [ServerErrorCode.BadLeaderTransferee]: Status.FAILED_PRECONDITION,
  [ServerErrorCode.MemberNotSupported]: Status.UNIMPLEMENTED,
  [ServerErrorCode.MemberExist]: Status.FAILED_PRECONDITION,
  [ServerErrorCode.PeerUrlExist]: Status.FAILED_PRECONDITION,
  [ServerErrorCode.MemberNotEnoughStarted]: Status.FAILED_PRECONDITION,
  [ServerErrorCode.MemberBadUrls]: Status.INVALID_ARGUMENT,
  [ServerErrorCode.MemberNotFound]: Status.NOT_FOUND,
  [ServerErrorCode.MemberNotLearner]: Status.FAILED_PRECONDITION,
  [ServerErrorCode.LearnerNotReady]: Status.FAILED_PRECONDITION,
  [ServerErrorCode.TooManyLearners]: Status.FAILED_PRECONDITION,
  [ServerErrorCode.MemberRemoved]: Status.FAILED_PRECONDITION,
  [ServerErrorCode.NotSupportedForLearner]: Status.UNAVAILABLE,
  [ServerErrorCode.Unhealthy]: Status.UNAVAILABLE,
  [ServerErrorCode.SnapshotUnavailable]: Status.UNIMPLEMENTED,
};

const AUTH_CODES: Readonly<Record<AuthErrorCode, Status>> = {
  [AuthErrorCode.RootUserNotExist]: Status.FAILED_PRECONDITION,
  [AuthErrorCode.RootRoleNotExist]: Status.FAILED_PRECONDITION,
  [AuthErrorCode.UserAlreadyExist]: Status.FAILED_PRECONDITION,
  [AuthErrorCode.UserEmpty]: Status.INVALID_ARGUMENT,
  [AuthErrorCode.UserNotFound]: Status.FAILED_PRECONDITION,
  [AuthErrorCode.RoleAlreadyExist]: Status.FAILED_PRECONDITION,
  [AuthErrorCode.RoleNotFound]: Status.FAILED_PRECONDITION,
  [AuthErrorCode.RoleEmpty]: Status.INVALID_ARGUMENT,
  [AuthErrorCode.AuthFailed]: Status.INVALID_ARGUMENT,
  [AuthErrorCode.NoPasswordUser]: Status.UNKNOWN,
  [AuthErrorCode.PermissionDenied]: Status.PERMISSION_DENIED,
  [AuthErrorCode.RoleNotGranted]: Status.FAILED_PRECONDITION,
  [AuthErrorCode.PermissionNotGranted]: Status.FAILED_PRECONDITION,
  [AuthErrorCode.AuthNotEnabled]: Status.FAILED_PRECONDITION,
  [AuthErrorCode.InvalidAuthToken]: Status.UNAUTHENTICATED,
  [AuthErrorCode.InvalidAuthMgmt]: Status.INVALID_ARGUMENT,
  [AuthErrorCode.AuthOldRevision]: Status.INVALID_ARGUMENT,
};

/** Go's names of gRPC codes, for the "rpc error: code = ... desc = ..." texts etcd puts into watch cancel reasons. */
export const GRPC_CODE_NAMES: Readonly<Partial<Record<Status, string>>> = {
  [Status.INVALID_ARGUMENT]: 'InvalidArgument',
  [Status.PERMISSION_DENIED]: 'PermissionDenied',
  [Status.UNAUTHENTICATED]: 'Unauthenticated',
  [Status.FAILED_PRECONDITION]: 'FailedPrecondition',
  [Status.UNKNOWN]: 'Unknown',
};

export interface GrpcStatusError {
  code: Status;
  details: string;
  /** An operating error sent as Unknown because etcd does so; not worth a warning. */
  expected?: boolean;
}

/** A status the leader answered to a call this member forwarded to it: passed on unchanged. */
export class ForwardedStatusError extends Error {
  constructor(
    readonly code: Status,
    details: string,
  ) {
    super(details);
    this.name = 'ForwardedStatusError';
  }
}

/** etcd's status for an error; anything not an operating error is UNKNOWN with its message (etcd does the same). */
export function grpcStatusOf(err: unknown): GrpcStatusError {
  if (isMvccError(err)) return { code: MVCC_CODES[err.code], details: err.message };
  if (isLeaseError(err)) return { code: LEASE_CODES[err.code], details: err.message };
  if (isServerError(err)) return { code: SERVER_CODES[err.code], details: err.message };
  // etcd sends the auth package's own texts (raw) untranslated, as Unknown.
  if (isAuthError(err)) return err.raw ? { code: Status.UNKNOWN, details: err.message, expected: true } : { code: AUTH_CODES[err.code], details: err.message };
  if (err instanceof ForwardedStatusError) return { code: err.code, details: err.message, expected: true };
  if (err instanceof EmptyRequestOpError) return { code: Status.INVALID_ARGUMENT, details: err.message };
  if (err instanceof ElectionError || err instanceof SessionExpiredError || err instanceof ThroughClientError) return { code: Status.UNKNOWN, details: err.message, expected: true };
  if (err instanceof CanceledError) return { code: Status.CANCELLED, details: err.message };
  return { code: Status.UNKNOWN, details: err instanceof Error ? err.message : String(err) };
}

/** The error object grpc-js callbacks and streams take. */
export function toServiceError(err: unknown): Partial<ServiceError> {
  const s = grpcStatusOf(err);
  return { code: s.code, details: s.details, message: s.details, metadata: new Metadata() };
}
