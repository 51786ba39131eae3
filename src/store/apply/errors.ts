// Operating errors the applier and proposer raise besides the MVCC and lease rooms' own. Texts are etcd's.

export enum ServerErrorCode {
  NoSpace = 'NoSpace',
  RequestTooLarge = 'RequestTooLarge',
  TooManyRequests = 'TooManyRequests',
  NoLeader = 'NoLeader',
  Stopped = 'Stopped',
  Timeout = 'Timeout',
  TimeoutDueToLeaderFail = 'TimeoutDueToLeaderFail',
  LeaderChanged = 'LeaderChanged',
  NotLeader = 'NotLeader',
  TimeoutLeaderTransfer = 'TimeoutLeaderTransfer',
  NotCapable = 'NotCapable',
  AuthNotEnabled = 'AuthNotEnabled',
  RootUserNotExist = 'RootUserNotExist',
  UserNotFound = 'UserNotFound',
  RoleNotFound = 'RoleNotFound',
  BadLeaderTransferee = 'BadLeaderTransferee',
  MemberNotSupported = 'MemberNotSupported',
  SnapshotUnavailable = 'SnapshotUnavailable',
}

export const serverErrorText: Readonly<Record<ServerErrorCode, string>> = {
  [ServerErrorCode.NoSpace]: 'etcdserver: mvcc: database space exceeded',
  [ServerErrorCode.RequestTooLarge]: 'etcdserver: request is too large',
  [ServerErrorCode.TooManyRequests]: 'etcdserver: too many requests',
  [ServerErrorCode.NoLeader]: 'etcdserver: no leader',
  [ServerErrorCode.Stopped]: 'etcdserver: server stopped',
  [ServerErrorCode.Timeout]: 'etcdserver: request timed out',
  [ServerErrorCode.TimeoutDueToLeaderFail]: 'etcdserver: request timed out, possibly due to previous leader failure',
  [ServerErrorCode.LeaderChanged]: 'etcdserver: leader changed',
  [ServerErrorCode.NotLeader]: 'etcdserver: not leader',
  [ServerErrorCode.TimeoutLeaderTransfer]: 'etcdserver: request timed out, leader transfer took too long',
  [ServerErrorCode.NotCapable]: 'etcdserver: not capable',
  [ServerErrorCode.AuthNotEnabled]: 'etcdserver: authentication is not enabled',
  [ServerErrorCode.RootUserNotExist]: 'etcdserver: root user does not exist',
  [ServerErrorCode.UserNotFound]: 'etcdserver: user name not found',
  [ServerErrorCode.RoleNotFound]: 'etcdserver: role name not found',
  [ServerErrorCode.BadLeaderTransferee]: 'etcdserver: bad leader transferee',
  // barque's own texts: features not built yet.
  [ServerErrorCode.MemberNotSupported]: 'barque: membership changes are not yet supported',
  [ServerErrorCode.SnapshotUnavailable]: 'barque: snapshot streaming is not yet supported',
};

export class ServerError extends Error {
  constructor(readonly code: ServerErrorCode) {
    super(serverErrorText[code]);
    this.name = 'ServerError';
  }
}

export function isServerError(err: unknown, code?: ServerErrorCode): err is ServerError {
  return err instanceof ServerError && (code === undefined || err.code === code);
}
