// Configuration of one Raft node, validated once at construction.
import type { Rng } from './rng.ts';
import type { ReadableLog } from './storage.ts';
import { ReadOnlyOption, type NodeId } from './types.ts';

/** Where the core reports what it does; the simulator records it as the trace, the driver sends it to pino. */
export interface RaftLogger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
}

export const silentLogger: RaftLogger = { debug() {}, info() {}, warn() {} };

/**
 * Safety rules that tests may switch off, to prove that the simulator's checkers catch the violation. Never
 * set outside tests.
 */
export interface UnsafeTestingOptions {
  /** Commit entries of earlier terms by counting replicas (the Raft paper's figure 8 bug). */
  commitPreviousTermByCount?: boolean;
  /** Grant votes to candidates whose log is behind ours. */
  grantVotesToStaleLogs?: boolean;
}

export interface Config {
  id: NodeId;
  /** Ticks without hearing from a leader before campaigning; randomized in [electionTick, 2*electionTick). */
  electionTick: number;
  /** Ticks between leader heartbeats. Must be < electionTick. */
  heartbeatTick: number;
  storage: ReadableLog;
  /** Last index the application has applied; committed entries at or below it are not handed out again. */
  applied?: number;
  /** Largest MsgApp payload in bytes (one entry at least is always sent). */
  maxSizePerMsg?: number;
  /** Largest total size of committedEntries in one Ready. */
  maxCommittedSizePerReady?: number;
  /** Largest total size of proposed-but-uncommitted entries before proposals are dropped; 0 = no limit. */
  maxUncommittedEntriesSize?: number;
  /** Most MsgApp in flight to one follower in Replicate state. */
  maxInflightMsgs?: number;
  /** Leader steps down when it has not heard from a quorum within an election timeout. */
  checkQuorum?: boolean;
  /** Campaign with a pre-vote round first, so a partitioned node cannot disrupt the cluster on return. */
  preVote?: boolean;
  readOnlyOption?: ReadOnlyOption;
  /** Followers drop proposals instead of forwarding them to the leader. */
  disableProposalForwarding?: boolean;
  /**
   * Tell followers about a new commit index once per Ready (when ready() is called) instead of with an extra
   * MsgApp on every acknowledgement that advances it. Under load this halves the leader's messages; followers
   * learn the commit index at the leader's next Ready. Off by default (etcd's behaviour).
   */
  deferCommitBroadcast?: boolean;
  /** Source of the randomized election timeout: seeded in the simulator. */
  rng: Rng;
  logger?: RaftLogger;
  unsafe?: UnsafeTestingOptions;
}

export type ResolvedConfig = Required<Omit<Config, 'unsafe'>> & { unsafe: UnsafeTestingOptions };

export function resolveConfig(c: Config): ResolvedConfig {
  if (c.id === 0n) throw new Error('raft config: id must not be 0');
  if (!(c.heartbeatTick > 0)) throw new Error('raft config: heartbeatTick must be > 0');
  if (!(c.electionTick > c.heartbeatTick)) throw new Error('raft config: electionTick must be > heartbeatTick');
  const maxInflightMsgs = c.maxInflightMsgs ?? 256;
  if (!(maxInflightMsgs > 0)) throw new Error('raft config: maxInflightMsgs must be > 0');
  const readOnlyOption = c.readOnlyOption ?? ReadOnlyOption.Safe;
  const checkQuorum = c.checkQuorum ?? true;
  if (readOnlyOption === ReadOnlyOption.LeaseBased && !checkQuorum) {
    throw new Error('raft config: LeaseBased reads need checkQuorum');
  }
  return {
    id: c.id,
    electionTick: c.electionTick,
    heartbeatTick: c.heartbeatTick,
    storage: c.storage,
    applied: c.applied ?? 0,
    maxSizePerMsg: c.maxSizePerMsg ?? 1024 * 1024,
    maxCommittedSizePerReady: c.maxCommittedSizePerReady ?? 64 * 1024 * 1024,
    maxUncommittedEntriesSize: c.maxUncommittedEntriesSize ?? 0,
    maxInflightMsgs,
    checkQuorum,
    preVote: c.preVote ?? true,
    readOnlyOption,
    disableProposalForwarding: c.disableProposalForwarding ?? false,
    deferCommitBroadcast: c.deferCommitBroadcast ?? false,
    rng: c.rng,
    logger: c.logger ?? silentLogger,
    unsafe: c.unsafe ?? {},
  };
}
