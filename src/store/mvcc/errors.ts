// Typed operating errors of the MVCC store. Each carries a code; the server maps codes to gRPC status codes in
// one place. Messages are etcd's exact client-facing texts, because clients match on them.

export enum MvccErrorCode {
  Compacted = 'Compacted',
  FutureRev = 'FutureRev',
  KeyNotFound = 'KeyNotFound',
  EmptyKey = 'EmptyKey',
  TooManyOps = 'TooManyOps',
  DuplicateKey = 'DuplicateKey',
  LeaseNotFound = 'LeaseNotFound',
  ValueProvided = 'ValueProvided',
  LeaseProvided = 'LeaseProvided',
}

export const mvccErrorText: Readonly<Record<MvccErrorCode, string>> = {
  [MvccErrorCode.Compacted]: 'etcdserver: mvcc: required revision has been compacted',
  [MvccErrorCode.FutureRev]: 'etcdserver: mvcc: required revision is a future revision',
  [MvccErrorCode.KeyNotFound]: 'etcdserver: key not found',
  [MvccErrorCode.EmptyKey]: 'etcdserver: key is not provided',
  [MvccErrorCode.TooManyOps]: 'etcdserver: too many operations in txn request',
  [MvccErrorCode.DuplicateKey]: 'etcdserver: duplicate key given in txn request',
  [MvccErrorCode.LeaseNotFound]: 'etcdserver: requested lease not found',
  [MvccErrorCode.ValueProvided]: 'etcdserver: value is provided',
  [MvccErrorCode.LeaseProvided]: 'etcdserver: lease is provided',
};

export class MvccError extends Error {
  constructor(
    readonly code: MvccErrorCode,
    /** Extra facts for logs (e.g. the requested and compacted revisions); never part of the wire text. */
    readonly detail: Readonly<Record<string, unknown>> = {},
  ) {
    super(mvccErrorText[code]);
    this.name = 'MvccError';
  }
}

export function isMvccError(err: unknown, code?: MvccErrorCode): err is MvccError {
  return err instanceof MvccError && (code === undefined || err.code === code);
}

export const errCompacted = (detail?: Record<string, unknown>) => new MvccError(MvccErrorCode.Compacted, detail);
export const errFutureRev = (detail?: Record<string, unknown>) => new MvccError(MvccErrorCode.FutureRev, detail);
export const errKeyNotFound = () => new MvccError(MvccErrorCode.KeyNotFound);
export const errEmptyKey = () => new MvccError(MvccErrorCode.EmptyKey);
export const errTooManyOps = () => new MvccError(MvccErrorCode.TooManyOps);
export const errDuplicateKey = () => new MvccError(MvccErrorCode.DuplicateKey);
export const errLeaseNotFound = (lease: bigint) => new MvccError(MvccErrorCode.LeaseNotFound, { lease });
export const errValueProvided = () => new MvccError(MvccErrorCode.ValueProvided);
export const errLeaseProvided = () => new MvccError(MvccErrorCode.LeaseProvided);
