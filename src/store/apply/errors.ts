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
  MemberExist = 'MemberExist',
  PeerUrlExist = 'PeerUrlExist',
  MemberNotEnoughStarted = 'MemberNotEnoughStarted',
  MemberBadUrls = 'MemberBadUrls',
  MemberNotFound = 'MemberNotFound',
  MemberNotLearner = 'MemberNotLearner',
  LearnerNotReady = 'LearnerNotReady',
  TooManyLearners = 'TooManyLearners',
  MemberRemoved = 'MemberRemoved',
  NotSupportedForLearner = 'NotSupportedForLearner',
  Unhealthy = 'Unhealthy',
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
  [ServerErrorCode.MemberExist]: 'etcdserver: member ID already exist',
  [ServerErrorCode.PeerUrlExist]: 'etcdserver: Peer URLs already exists',
  [ServerErrorCode.MemberNotEnoughStarted]: 'etcdserver: re-configuration failed due to not enough started members',
  [ServerErrorCode.MemberBadUrls]: 'etcdserver: given member URLs are invalid',
  [ServerErrorCode.MemberNotFound]: 'etcdserver: member not found',
  [ServerErrorCode.MemberNotLearner]: 'etcdserver: can only promote a learner member',
  [ServerErrorCode.LearnerNotReady]: 'etcdserver: can only promote a learner member which is in sync with leader',
  [ServerErrorCode.TooManyLearners]: 'etcdserver: too many learner members in cluster',
  [ServerErrorCode.MemberRemoved]: 'etcdserver: the member has been permanently removed from the cluster',
  [ServerErrorCode.NotSupportedForLearner]: 'etcdserver: rpc not supported for learner',
  [ServerErrorCode.Unhealthy]: 'etcdserver: unhealthy cluster',
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
