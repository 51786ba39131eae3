// Typed operating errors of the lessor. Messages are etcd's exact client-facing texts; the server maps codes to
// gRPC status codes in one place (NotFound, FailedPrecondition, OutOfRange; NotPrimary and Expired never reach
// a client: the server forwards to the leader or waits for the revoke).

export enum LeaseErrorCode {
  NotFound = 'LeaseNotFound',
  Exists = 'LeaseExist',
  TtlTooLarge = 'LeaseTTLTooLarge',
  /** renew on a member that is not the leader: forward to the leader. */
  NotPrimary = 'LeaseNotPrimary',
  /** renew of a lease whose deadline passed and whose revoke is on its way through the log. */
  Expired = 'LeaseExpired',
}

export const leaseErrorText: Readonly<Record<LeaseErrorCode, string>> = {
  [LeaseErrorCode.NotFound]: 'etcdserver: requested lease not found',
  [LeaseErrorCode.Exists]: 'etcdserver: lease already exists',
  [LeaseErrorCode.TtlTooLarge]: 'etcdserver: too large lease TTL',
  [LeaseErrorCode.NotPrimary]: 'etcdserver: not primary',
  [LeaseErrorCode.Expired]: 'etcdserver: lease expired',
};

export class LeaseError extends Error {
  constructor(
    readonly code: LeaseErrorCode,
    readonly leaseId: bigint,
  ) {
    super(leaseErrorText[code]);
    this.name = 'LeaseError';
  }
}

export function isLeaseError(err: unknown, code?: LeaseErrorCode): err is LeaseError {
  return err instanceof LeaseError && (code === undefined || err.code === code);
}
