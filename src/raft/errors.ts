// Typed operating errors of the Raft core. These are expected outcomes (no leader, compacted index, bad peer
// input) handled by callers; bugs in the core are assertion failures (see assert.ts), never these.

export class RaftError extends Error {
  constructor(
    readonly code: RaftErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RaftError';
  }
}

export enum RaftErrorCode {
  /** A proposal was dropped: no leader known, or forwarding disabled. */
  ProposalDropped = 'ProposalDropped',
  /** A proposal was refused because a leadership transfer is in progress. */
  TransferInProgress = 'TransferInProgress',
  /** The requested index is below the storage's first index. */
  Compacted = 'Compacted',
  /** The requested index is not yet in storage. */
  Unavailable = 'Unavailable',
  /** A snapshot older than the current one was offered. */
  SnapOutOfDate = 'SnapOutOfDate',
  /** A snapshot is being prepared and is not ready yet; retry later. */
  SnapshotTemporarilyUnavailable = 'SnapshotTemporarilyUnavailable',
  /** A message from a peer failed validation (unknown type, local type, malformed). */
  InvalidMessage = 'InvalidMessage',
  /** A step was attempted on a node that was removed or never configured. */
  StepPeerNotFound = 'StepPeerNotFound',
  /** A configuration change is invalid (e.g. removes the last voter, or entering joint twice). */
  InvalidConfChange = 'InvalidConfChange',
}

export const errProposalDropped = () => new RaftError(RaftErrorCode.ProposalDropped, 'raft proposal dropped');
export const errTransferInProgress = () =>
  new RaftError(RaftErrorCode.TransferInProgress, 'raft proposal dropped: leadership transfer in progress');
export const errCompacted = () =>
  new RaftError(RaftErrorCode.Compacted, 'requested index is unavailable due to compaction');
export const errUnavailable = () => new RaftError(RaftErrorCode.Unavailable, 'requested entry at index is unavailable');
export const errSnapOutOfDate = () =>
  new RaftError(RaftErrorCode.SnapOutOfDate, 'requested index is older than the existing snapshot');
