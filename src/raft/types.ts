// The data the Raft core speaks in. Everything here is plain data: the core never does I/O, so a test or the
// simulator decides what is persisted, delivered or lost.
//
// Node IDs are bigint because etcd member IDs are arbitrary uint64 values. Indexes and terms are numbers:
// 2^53 entries are out of reach.

export type NodeId = bigint;

/** No node; also "no leader" and "voted for nobody". */
export const NONE: NodeId = 0n;

export enum EntryType {
  Normal = 0,
  /** data is an encoded ConfChangeV2 (see confchange-codec.ts). */
  ConfChange = 1,
}

export interface Entry {
  term: number;
  index: number;
  type: EntryType;
  /** Opaque to Raft. An empty Normal entry is the no-op a new leader appends. */
  data: Uint8Array;
}

/** What must be durable before a node answers anyone: term, vote and commit index. */
export interface HardState {
  term: number;
  vote: NodeId;
  commit: number;
}

export enum StateType {
  Follower = 'StateFollower',
  Candidate = 'StateCandidate',
  Leader = 'StateLeader',
  PreCandidate = 'StatePreCandidate',
}

/** Volatile state, surfaced in Ready only when it changes. */
export interface SoftState {
  lead: NodeId;
  raftState: StateType;
}

/** The membership a snapshot or the applied log implies. While joint, votersOutgoing is non-empty. */
export interface ConfState {
  voters: NodeId[];
  learners: NodeId[];
  votersOutgoing: NodeId[];
  /** Learners that become voters when the joint configuration is left. */
  learnersNext: NodeId[];
  autoLeave: boolean;
}

export interface SnapshotMetadata {
  index: number;
  term: number;
  confState: ConfState;
}

export interface Snapshot {
  metadata: SnapshotMetadata;
  /** The application's state at metadata.index, opaque to Raft. */
  data: Uint8Array;
}

export enum ConfChangeType {
  AddNode = 0,
  RemoveNode = 1,
  UpdateNode = 2,
  AddLearnerNode = 3,
}

export enum ConfChangeTransition {
  /** Single change: applied directly; several changes: joint consensus, left automatically. */
  Auto = 0,
  /** Joint consensus, left automatically once the joint configuration is committed. */
  JointImplicit = 1,
  /** Joint consensus, left only by an explicit empty ConfChangeV2 from the application. */
  JointExplicit = 2,
}

export interface ConfChangeSingle {
  type: ConfChangeType;
  nodeId: NodeId;
}

/** An empty `changes` list means "leave the joint configuration". */
export interface ConfChangeV2 {
  transition: ConfChangeTransition;
  changes: ConfChangeSingle[];
  /** Opaque to Raft (etcd puts the member's URLs here). */
  context: Uint8Array;
}

export enum MessageType {
  Hup = 'MsgHup',
  Beat = 'MsgBeat',
  Prop = 'MsgProp',
  App = 'MsgApp',
  AppResp = 'MsgAppResp',
  Vote = 'MsgVote',
  VoteResp = 'MsgVoteResp',
  Snap = 'MsgSnap',
  Heartbeat = 'MsgHeartbeat',
  HeartbeatResp = 'MsgHeartbeatResp',
  Unreachable = 'MsgUnreachable',
  SnapStatus = 'MsgSnapStatus',
  CheckQuorum = 'MsgCheckQuorum',
  TransferLeader = 'MsgTransferLeader',
  TimeoutNow = 'MsgTimeoutNow',
  ReadIndex = 'MsgReadIndex',
  ReadIndexResp = 'MsgReadIndexResp',
  PreVote = 'MsgPreVote',
  PreVoteResp = 'MsgPreVoteResp',
}

/** Local messages never cross the network; a peer sending one is refused. */
export const LOCAL_MESSAGE_TYPES: ReadonlySet<MessageType> = new Set([
  MessageType.Hup,
  MessageType.Beat,
  MessageType.Unreachable,
  MessageType.SnapStatus,
  MessageType.CheckQuorum,
]);

export interface Message {
  type: MessageType;
  to: NodeId;
  from: NodeId;
  term: number;
  /** Term of the entry at `index` (MsgApp: the entry preceding `entries`; votes: candidate's last term). */
  logTerm: number;
  index: number;
  entries: Entry[];
  commit: number;
  snapshot?: Snapshot;
  reject: boolean;
  /** On a rejected MsgAppResp: the follower's hint for fast back-tracking. */
  rejectHint: number;
  /** ReadIndex request context, echoed back; TimeoutNow/vote campaign type marker for leader transfer. */
  context: Uint8Array;
}

/** The answer to a ReadIndex request: once applied >= index, a read with this context is linearizable. */
export interface ReadState {
  index: number;
  requestCtx: Uint8Array;
}

/**
 * One batch of work for the driver. Handle in this order: send `messages`; persist `hardState`, `entries` and
 * `snapshot` with one durable write; then send `messagesAfterPersist`; apply `committedEntries`; call advance().
 */
export interface Ready {
  softState?: SoftState;
  hardState?: HardState;
  readStates: ReadState[];
  /** To append to stable storage before messagesAfterPersist go out. */
  entries: Entry[];
  /** To install into stable storage (and the application) before anything else of this Ready. */
  snapshot?: Snapshot;
  committedEntries: Entry[];
  /** Safe to send before the disk write completes (the leader's appends: thesis §10.2.1). */
  messages: Message[];
  /** Only after hardState/entries/snapshot are durable (votes, append acknowledgements). */
  messagesAfterPersist: Message[];
  /** Whether the write must be fsynced (hard state or entries changed). */
  mustSync: boolean;
}

export enum ReadOnlyOption {
  /** ReadIndex confirmed by a heartbeat round: safe. */
  Safe = 'Safe',
  /** ReadIndex from the leader lease: needs bounded clock drift. */
  LeaseBased = 'LeaseBased',
}

/** Progress state of one follower as the leader sees it. */
export enum ProgressState {
  Probe = 'StateProbe',
  Replicate = 'StateReplicate',
  Snapshot = 'StateSnapshot',
}

export function emptyConfState(): ConfState {
  return { voters: [], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false };
}

export function emptyHardState(): HardState {
  return { term: 0, vote: NONE, commit: 0 };
}

export function isEmptyHardState(h: HardState): boolean {
  return h.term === 0 && h.vote === NONE && h.commit === 0;
}

export function isEmptySnapshot(s: Snapshot | undefined): boolean {
  return s === undefined || s.metadata.index === 0;
}

const EMPTY = new Uint8Array(0);

/** A message with every optional field at its zero value, for terse construction. */
export function message(fields: Partial<Message> & Pick<Message, 'type'>): Message {
  return {
    to: NONE,
    from: NONE,
    term: 0,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    context: EMPTY,
    ...fields,
  };
}
