// Operating errors of the node driver (besides the core's RaftError: ProposalDropped, TransferInProgress, ...).

export enum RaftNodeErrorCode {
  /** The node was stopped, or failed (see `cause`). */
  Stopped = 'Stopped',
  /** Too many proposals wait for the next cycle. */
  TooManyPending = 'TooManyPending',
  /** A read index or leader transfer did not complete in time. */
  Timeout = 'Timeout',
}

export class RaftNodeError extends Error {
  constructor(
    readonly code: RaftNodeErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RaftNodeError';
  }
}

export const errStopped = (cause?: unknown) =>
  new RaftNodeError(RaftNodeErrorCode.Stopped, cause === undefined ? 'raft node stopped' : 'raft node failed', { cause });
export const errTooManyPending = () => new RaftNodeError(RaftNodeErrorCode.TooManyPending, 'raft node: too many pending proposals');
export const errTimeout = (what: string) => new RaftNodeError(RaftNodeErrorCode.Timeout, `raft node: ${what} timed out`);
