// The Raft state machine. `step` and `tick` only change state and queue output (messages, read states); the
// RawNode turns that into Ready batches. One step function per role; become* swaps the step and tick functions.
import { assert } from './assert.ts';
import { resolveConfig, type Config, type RaftLogger, type ResolvedConfig } from './config.ts';
import { Changer, restoreConfig, type ChangeResult } from './confchange/index.ts';
import { decodeConfChange, encodeConfChange, entersJoint, isLeaveJoint } from './confchange-codec.ts';
import { errProposalDropped, errTransferInProgress, RaftError, RaftErrorCode } from './errors.ts';
import { RaftLog } from './log.ts';
import { jointVoteResult, VoteResult } from './quorum/index.ts';
import { ReadOnly } from './read-only.ts';
import { entrySizeBytes } from './storage.ts';
import { ProgressTracker, type Progress } from './tracker/index.ts';
import {
  ConfChangeTransition,
  EntryType,
  isEmptyHardState,
  isEmptySnapshot,
  message,
  MessageType,
  NONE,
  ProgressState,
  ReadOnlyOption,
  StateType,
  type ConfChangeV2,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type NodeId,
  type ReadState,
  type Snapshot,
  type SoftState,
} from './types.ts';

/** Context of vote requests sent on a leader's request (MsgTimeoutNow): voters skip the lease check for them. */
export const CAMPAIGN_TRANSFER_CONTEXT = new TextEncoder().encode('CampaignTransfer');

const EMPTY = new Uint8Array(0);

/** Bound on ReadIndex requests parked until the new leader commits an entry of its term. */
const MAX_PENDING_READ_INDEX_MESSAGES = 4096;

export enum CampaignType {
  PreElection = 'CampaignPreElection',
  Election = 'CampaignElection',
  Transfer = 'CampaignTransfer',
}

type StepFn = (m: Message) => void;

export class Raft {
  readonly id: NodeId;
  readonly cfg: ResolvedConfig;
  readonly logger: RaftLogger;

  term = 0;
  /** Whom we voted for in `term` (NONE if nobody). Durable with term. */
  vote: NodeId = NONE;
  lead: NodeId = NONE;
  state: StateType = StateType.Follower;
  /** Whether we are a learner in the current configuration (learners never campaign). */
  isLearner = false;

  readonly raftLog: RaftLog;
  readonly trk: ProgressTracker;

  /** Messages that may be sent at once. */
  msgs: Message[] = [];
  /**
   * Messages that may be sent only after the current unstable state is durable. Those addressed to ourselves
   * (our own vote, the leader's acknowledgement of its own log) are stepped by RawNode.advance().
   */
  msgsAfterAppend: Message[] = [];
  readStates: ReadState[] = [];

  /** The node a leadership transfer is going to, NONE when none is in progress. */
  leadTransferee: NodeId = NONE;
  /**
   * Index of the latest conf change appended by this leader (or the leader's last index at election, since an
   * unapplied one may lurk there). A new conf change is accepted only once applied >= pendingConfIndex.
   */
  pendingConfIndex = 0;
  /** Payload bytes of entries appended as leader and not yet handed out as committed. */
  uncommittedSize = 0;
  readOnly: ReadOnly;
  /** deferCommitBroadcast: the commit index moved since followers were last told. */
  private commitBroadcastPending = false;
  /** ReadIndex requests waiting for the first commit of this leader's term. */
  private pendingReadIndexMessages: Message[] = [];

  /** Ticks since the last election timeout reset (leader: since the last check-quorum round). */
  electionElapsed = 0;
  /** Leader only: ticks since the last heartbeat. */
  heartbeatElapsed = 0;
  /** In [electionTick, 2*electionTick), drawn anew at each reset. */
  randomizedElectionTimeout = 0;

  private tickFn: () => void = () => this.tickElection();
  private stepFn: StepFn = (m) => this.stepFollower(m);

  constructor(config: Config) {
    this.cfg = resolveConfig(config);
    this.id = this.cfg.id;
    this.logger = this.cfg.logger;
    this.raftLog = new RaftLog(this.cfg.storage, this.logger);
    this.trk = new ProgressTracker(this.cfg.maxInflightMsgs);
    this.readOnly = new ReadOnly(this.cfg.readOnlyOption);

    const { hardState, confState } = this.cfg.storage.initialState();
    this.switchToConfig(restoreConfig(confState, this.restoreOptions(this.raftLog.lastIndex())));
    if (!isEmptyHardState(hardState)) this.loadState(hardState);
    if (this.cfg.applied > 0) {
      const applied = this.cfg.applied;
      if (applied > this.raftLog.lastIndex()) {
        throw new Error(`raft config: applied ${applied} is beyond the log's last index ${this.raftLog.lastIndex()}`);
      }
      if (applied > this.raftLog.committed) {
        // A commit-only hard state change is not fsynced (mustSync false), so after a crash the durable commit
        // index may lag what the application durably applied. Everything applied was committed.
        this.logger.info(`${this.id} commit index ${this.raftLog.committed} raised to the applied index ${applied}`);
        this.raftLog.commitTo(applied);
      }
      this.raftLog.appliedTo(applied);
    }
    this.becomeFollower(this.term, NONE);
    this.logger.info(
      `${this.id} newRaft term=${this.term} commit=${this.raftLog.committed} applied=${this.raftLog.applied} ` +
        `lastIndex=${this.raftLog.lastIndex()} lastTerm=${this.raftLog.lastTerm()} ` +
        `voters=${this.trk.voterIds().join(',')}`,
    );
  }

  private restoreOptions(lastIndex: number) {
    return { lastIndex, maxInflight: this.cfg.maxInflightMsgs };
  }

  private loadState(hs: HardState): void {
    const commit = Math.max(hs.commit, this.raftLog.committed);
    if (commit > this.raftLog.lastIndex()) {
      throw new Error(`raft storage: hard state commit ${hs.commit} is beyond last index ${this.raftLog.lastIndex()}`);
    }
    this.raftLog.commitTo(commit);
    this.term = hs.term;
    this.vote = hs.vote;
  }

  // ---- state surfaced to RawNode ----

  softState(): SoftState {
    return { lead: this.lead, raftState: this.state };
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.raftLog.committed };
  }

  /** Can this node campaign? Voters only, and not while a received snapshot is being installed. */
  promotable(): boolean {
    const pr = this.trk.progress.get(this.id);
    return pr !== undefined && !pr.isLearner && !this.raftLog.hasNextOrInProgressSnapshot();
  }

  // ---- output ----

  private send(m: Message): void {
    if (m.from === NONE) m.from = this.id;
    const isVoteType =
      m.type === MessageType.Vote ||
      m.type === MessageType.VoteResp ||
      m.type === MessageType.PreVote ||
      m.type === MessageType.PreVoteResp;
    if (isVoteType) {
      assert(m.term !== 0, () => `${m.type} sent without a term`);
    } else if (m.type !== MessageType.Prop && m.type !== MessageType.ReadIndex) {
      // Proposals and read requests keep term 0 when forwarded: they are not bound to a term.
      m.term = this.term;
    }
    if (m.type === MessageType.AppResp || m.type === MessageType.VoteResp || m.type === MessageType.PreVoteResp) {
      // These promise something about our durable state (a vote, an appended log).
      this.msgsAfterAppend.push(m);
    } else {
      this.msgs.push(m);
    }
  }

  // ---- ticks ----

  tick(): void {
    this.tickFn();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.pastElectionTimeout()) {
      this.electionElapsed = 0;
      this.step(message({ type: MessageType.Hup, from: this.id }));
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.cfg.electionTick) {
      this.electionElapsed = 0;
      if (this.cfg.checkQuorum) this.step(message({ type: MessageType.CheckQuorum, from: this.id }));
      // A transfer that has not finished within an election timeout is abandoned.
      if (this.state === StateType.Leader && this.leadTransferee !== NONE) this.abortLeaderTransfer();
    }
    if (this.state !== StateType.Leader) return;
    if (this.heartbeatElapsed >= this.cfg.heartbeatTick) {
      this.heartbeatElapsed = 0;
      this.step(message({ type: MessageType.Beat, from: this.id }));
    }
  }

  pastElectionTimeout(): boolean {
    return this.electionElapsed >= this.randomizedElectionTimeout;
  }

  private resetRandomizedElectionTimeout(): void {
    this.randomizedElectionTimeout = this.cfg.electionTick + this.cfg.rng.int(this.cfg.electionTick);
  }

  // ---- role changes ----

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.abortLeaderTransfer();
    this.trk.resetVotes();
    const next = this.raftLog.lastIndex() + 1;
    for (const pr of this.trk.progress.values()) {
      // Our own match starts at 0 too: it moves when our own acknowledgement arrives after persistence.
      pr.match = 0;
      pr.next = next;
      pr.state = ProgressState.Probe;
      pr.pendingSnapshot = 0;
      pr.recentActive = false;
      pr.msgAppFlowPaused = false;
      pr.sentCommit = 0;
      pr.inflights.reset();
    }
    this.commitBroadcastPending = false;
    this.pendingConfIndex = 0;
    this.uncommittedSize = 0;
    this.readOnly = new ReadOnly(this.cfg.readOnlyOption);
    this.pendingReadIndexMessages = [];
  }

  becomeFollower(term: number, lead: NodeId): void {
    this.stepFn = (m) => this.stepFollower(m);
    this.reset(term);
    this.tickFn = () => this.tickElection();
    this.lead = lead;
    this.state = StateType.Follower;
    this.logger.info(`${this.id} became follower at term ${this.term}`);
  }

  becomeCandidate(): void {
    assert(this.state !== StateType.Leader, 'invalid transition leader -> candidate');
    this.stepFn = (m) => this.stepCandidate(m);
    this.reset(this.term + 1);
    this.tickFn = () => this.tickElection();
    this.vote = this.id;
    this.state = StateType.Candidate;
    this.logger.info(`${this.id} became candidate at term ${this.term}`);
  }

  becomePreCandidate(): void {
    assert(this.state !== StateType.Leader, 'invalid transition leader -> pre-candidate');
    // Neither term nor vote change: a pre-election must not disturb anything if it fails.
    this.stepFn = (m) => this.stepCandidate(m);
    this.trk.resetVotes();
    this.tickFn = () => this.tickElection();
    this.lead = NONE;
    this.state = StateType.PreCandidate;
    this.logger.info(`${this.id} became pre-candidate at term ${this.term}`);
  }

  becomeLeader(): void {
    assert(this.state !== StateType.Follower, 'invalid transition follower -> leader');
    this.stepFn = (m) => this.stepLeader(m);
    this.reset(this.term);
    this.tickFn = () => this.tickHeartbeat();
    this.lead = this.id;
    this.state = StateType.Leader;
    const self = this.trk.progress.get(this.id);
    assert(self !== undefined, 'leader without own progress');
    self.becomeReplicate();
    self.recentActive = true;
    // An unapplied conf change may sit anywhere in our log: allow no new one before all of it is applied.
    this.pendingConfIndex = this.raftLog.lastIndex();
    const ok = this.appendEntry([{ term: 0, index: 0, type: EntryType.Normal, data: EMPTY }]);
    assert(ok, 'the empty leader entry was refused');
    // The empty entry costs nothing against maxUncommittedEntriesSize.
    this.uncommittedSize = 0;
    this.logger.info(`${this.id} became leader at term ${this.term}`);
  }

  // ---- elections ----

  private hup(t: CampaignType): void {
    if (this.state === StateType.Leader) {
      this.logger.debug(`${this.id} ignoring MsgHup because already leader`);
      return;
    }
    if (!this.promotable()) {
      this.logger.warn(`${this.id} is unpromotable and can not campaign`);
      return;
    }
    if (this.hasUnappliedConfChanges()) {
      this.logger.warn(`${this.id} cannot campaign at term ${this.term}: pending conf changes to apply`);
      return;
    }
    this.logger.info(`${this.id} is starting a new election at term ${this.term}`);
    this.campaign(t);
  }

  private hasUnappliedConfChanges(): boolean {
    const log = this.raftLog;
    let lo = log.applied + 1;
    const hi = log.committed + 1;
    const pageBytes = 1024 * 1024;
    while (lo < hi) {
      let ents: Entry[];
      try {
        ents = log.slice(lo, hi, pageBytes);
      } catch (e) {
        if (e instanceof RaftError) return false;
        throw e;
      }
      if (ents.length === 0) return false;
      if (ents.some((e) => e.type === EntryType.ConfChange)) return true;
      lo = ents[ents.length - 1].index + 1;
    }
    return false;
  }

  campaign(t: CampaignType): void {
    if (!this.promotable()) {
      this.logger.warn(`${this.id} is unpromotable; campaign() should not have been called`);
      return;
    }
    let voteType: MessageType;
    let term: number;
    if (t === CampaignType.PreElection) {
      this.becomePreCandidate();
      voteType = MessageType.PreVote;
      // Pre-vote asks for the term we would use, without moving to it.
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      voteType = MessageType.Vote;
      term = this.term;
    }
    const respType = voteType === MessageType.Vote ? MessageType.VoteResp : MessageType.PreVoteResp;
    const lastIndex = this.raftLog.lastIndex();
    const lastTerm = this.raftLog.lastTerm();
    for (const id of this.trk.voterIds()) {
      if (id === this.id) {
        // Our own vote counts once it is durable: it arrives through msgsAfterAppend.
        this.send(message({ type: respType, to: id, term }));
        continue;
      }
      this.logger.info(
        `${this.id} [logterm: ${lastTerm}, index: ${lastIndex}] sent ${voteType} request to ${id} at term ${term}`,
      );
      this.send(
        message({
          type: voteType,
          to: id,
          term,
          index: lastIndex,
          logTerm: lastTerm,
          context: t === CampaignType.Transfer ? CAMPAIGN_TRANSFER_CONTEXT : EMPTY,
        }),
      );
    }
  }

  private poll(id: NodeId, granted: boolean): { granted: number; rejected: number; result: VoteResult } {
    this.trk.recordVote(id, granted);
    return this.trk.tallyVotes();
  }

  // ---- step ----

  /** Processes one message. Throws RaftError for refused proposals and for peer input that cannot be applied. */
  step(m: Message): void {
    if (m.term === 0) {
      // Local message (or a forwarded proposal / read request, which are not bound to a term).
    } else if (m.term > this.term) {
      if (m.type === MessageType.Vote || m.type === MessageType.PreVote) {
        const force = bytesEqual(m.context, CAMPAIGN_TRANSFER_CONTEXT);
        const inLease =
          this.cfg.checkQuorum && this.lead !== NONE && this.electionElapsed < this.cfg.electionTick;
        if (!force && inLease) {
          // We heard from a leader within the election timeout: do not let a disruptive node depose it.
          this.logger.info(
            `${this.id} [term: ${this.term}] ignored ${m.type} from ${m.from} at term ${m.term}: lease not expired`,
          );
          return;
        }
      }
      if (m.type === MessageType.PreVote) {
        // Never change term in response to a pre-vote.
      } else if (m.type === MessageType.PreVoteResp && !m.reject) {
        // The term moves when the pre-election is won, not on each grant.
      } else {
        this.logger.info(`${this.id} [term: ${this.term}] received a ${m.type} message with higher term from ${m.from}`);
        const leaderMessage =
          m.type === MessageType.App || m.type === MessageType.Heartbeat || m.type === MessageType.Snap;
        this.becomeFollower(m.term, leaderMessage ? m.from : NONE);
      }
    } else if (m.term < this.term) {
      this.stepStale(m);
      return;
    }

    switch (m.type) {
      case MessageType.Hup:
        this.hup(this.cfg.preVote ? CampaignType.PreElection : CampaignType.Election);
        return;
      case MessageType.Vote:
      case MessageType.PreVote:
        this.handleVoteRequest(m);
        return;
      default:
        this.stepFn(m);
    }
  }

  private stepStale(m: Message): void {
    if ((this.cfg.checkQuorum || this.cfg.preVote) && (m.type === MessageType.Heartbeat || m.type === MessageType.App)) {
      // A deposed leader (or one cut off for long) keeps sending; tell it the current term so that it steps
      // down. Without this, with check-quorum or pre-vote, a partitioned node with a higher term could never
      // rejoin: its votes are ignored and it ignores the leader.
      this.send(message({ type: MessageType.AppResp, to: m.from }));
    } else if (m.type === MessageType.PreVote) {
      this.send(message({ type: MessageType.PreVoteResp, to: m.from, term: this.term, reject: true }));
    } else {
      this.logger.debug(`${this.id} [term: ${this.term}] ignored a ${m.type} message with lower term from ${m.from}`);
    }
  }

  private handleVoteRequest(m: Message): void {
    const canVote =
      this.vote === m.from ||
      (this.vote === NONE && this.lead === NONE) ||
      (m.type === MessageType.PreVote && m.term > this.term);
    const upToDate = this.cfg.unsafe.grantVotesToStaleLogs === true || this.raftLog.isUpToDate(m.index, m.logTerm);
    const respType = m.type === MessageType.Vote ? MessageType.VoteResp : MessageType.PreVoteResp;
    if (canVote && upToDate) {
      this.logger.info(`${this.id} [term: ${this.term}] cast ${m.type} for ${m.from} at term ${m.term}`);
      // Answer in the candidate's term: a pre-vote grant must not look stale to the pre-candidate.
      this.send(message({ type: respType, to: m.from, term: m.term }));
      if (m.type === MessageType.Vote) {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.logger.info(`${this.id} [term: ${this.term}] rejected ${m.type} from ${m.from} at term ${m.term}`);
      this.send(message({ type: respType, to: m.from, term: this.term, reject: true }));
    }
  }

  // ---- follower ----

  private stepFollower(m: Message): void {
    switch (m.type) {
      case MessageType.Prop:
        if (this.lead === NONE) {
          this.logger.info(`${this.id} no leader at term ${this.term}; dropping proposal`);
          throw errProposalDropped();
        }
        if (this.cfg.disableProposalForwarding) {
          this.logger.info(`${this.id} not forwarding to leader ${this.lead} at term ${this.term}; dropping proposal`);
          throw errProposalDropped();
        }
        this.send({ ...m, to: this.lead });
        return;
      case MessageType.App:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppendEntries(m);
        return;
      case MessageType.Heartbeat:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m);
        return;
      case MessageType.Snap:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m);
        return;
      case MessageType.TransferLeader:
        if (this.lead === NONE) {
          this.logger.info(`${this.id} no leader at term ${this.term}; dropping leader transfer msg`);
          return;
        }
        this.send({ ...m, to: this.lead });
        return;
      case MessageType.TimeoutNow:
        this.logger.info(`${this.id} [term ${this.term}] received MsgTimeoutNow from ${m.from}; starting election`);
        // A transfer never uses pre-vote: the leader asked for it, so the cluster is known to be healthy.
        this.hup(CampaignType.Transfer);
        return;
      case MessageType.ReadIndex:
        if (this.lead === NONE) {
          this.logger.info(`${this.id} no leader at term ${this.term}; dropping index reading msg`);
          return;
        }
        this.send({ ...m, to: this.lead });
        return;
      case MessageType.ReadIndexResp:
        this.readStates.push({ index: m.index, requestCtx: m.context });
        return;
      default:
        return;
    }
  }

  private handleAppendEntries(m: Message): void {
    const log = this.raftLog;
    if (m.index < log.committed) {
      // Everything up to our commit index is settled: tell the leader where we are.
      this.send(message({ type: MessageType.AppResp, to: m.from, index: log.committed }));
      return;
    }
    const lastNew = log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (lastNew !== undefined) {
      this.send(message({ type: MessageType.AppResp, to: m.from, index: lastNew }));
      return;
    }
    // Reject, with a hint that lets the leader skip a whole term of mismatching entries per round trip: the
    // last index at or below m.index whose term is <= m.logTerm (entries after it surely do not match).
    const hint = log.findConflictByTerm(Math.min(m.index, log.lastIndex()), m.logTerm);
    this.logger.debug(
      `${this.id} rejected MsgApp [logterm: ${m.logTerm}, index: ${m.index}] from ${m.from}; hint ${hint.index}/${hint.term}`,
    );
    this.send(
      message({ type: MessageType.AppResp, to: m.from, index: m.index, reject: true, rejectHint: hint.index, logTerm: hint.term }),
    );
  }

  private handleHeartbeat(m: Message): void {
    // The leader sends commit <= our match, so it never exceeds our log; ignore it if a peer says otherwise.
    if (m.commit <= this.raftLog.lastIndex()) this.raftLog.commitTo(m.commit);
    this.send(message({ type: MessageType.HeartbeatResp, to: m.from, context: m.context }));
  }

  private handleSnapshot(m: Message): void {
    const s = m.snapshot;
    if (s === undefined) return;
    if (this.restore(s)) {
      this.logger.info(`${this.id} [commit: ${this.raftLog.committed}] restored snapshot [index: ${s.metadata.index}]`);
      this.send(message({ type: MessageType.AppResp, to: m.from, index: this.raftLog.lastIndex() }));
    } else {
      this.logger.info(`${this.id} [commit: ${this.raftLog.committed}] ignored snapshot [index: ${s.metadata.index}]`);
      this.send(message({ type: MessageType.AppResp, to: m.from, index: this.raftLog.committed }));
    }
  }

  /** Installs a snapshot from the leader; returns false when it is stale or cannot be ours. */
  private restore(s: Snapshot): boolean {
    const { index, term, confState } = s.metadata;
    if (index <= this.raftLog.committed) return false;
    if (this.state !== StateType.Follower) {
      // Only followers get snapshots; be defensive if a bug let one through.
      this.logger.warn(`${this.id} non-follower attempted to restore snapshot; becoming follower`);
      this.becomeFollower(this.term + 1, NONE);
      return false;
    }
    // As etcd: a snapshot whose membership lacks us cannot be ours to install (we could not tell our peers).
    // The leader keeps offering snapshots; the application's next one (taken after the conf change that added
    // us was applied) includes us.
    const member = [...confState.voters, ...confState.learners, ...confState.votersOutgoing].includes(this.id);
    if (!member) {
      this.logger.warn(`${this.id} attempted to restore snapshot but it is not in the ConfState; ignoring it`);
      return false;
    }
    if (this.raftLog.matchTerm(index, term)) {
      // We already have the entry: just fast-forward the commit index.
      this.raftLog.commitTo(index);
      return false;
    }
    let cfg: ChangeResult;
    try {
      cfg = restoreConfig(confState, this.restoreOptions(index));
    } catch (e) {
      if (e instanceof RaftError) {
        this.logger.warn(`${this.id} snapshot carries an invalid configuration (${e.message}); ignoring it`);
        return false;
      }
      throw e;
    }
    this.raftLog.restore(s);
    this.switchToConfig(cfg);
    return true;
  }

  // ---- candidate and pre-candidate ----

  private stepCandidate(m: Message): void {
    const myRespType = this.state === StateType.PreCandidate ? MessageType.PreVoteResp : MessageType.VoteResp;
    switch (m.type) {
      case MessageType.Prop:
        this.logger.info(`${this.id} no leader at term ${this.term}; dropping proposal`);
        throw errProposalDropped();
      case MessageType.App:
        this.becomeFollower(m.term, m.from);
        this.handleAppendEntries(m);
        return;
      case MessageType.Heartbeat:
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return;
      case MessageType.Snap:
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return;
      case myRespType: {
        const { granted, rejected, result } = this.poll(m.from, !m.reject);
        this.logger.info(`${this.id} has received ${granted} ${m.type} votes and ${rejected} vote rejections`);
        if (result === VoteResult.Won) {
          if (this.state === StateType.PreCandidate) {
            this.campaign(CampaignType.Election);
          } else {
            this.becomeLeader();
            this.bcastAppend();
          }
        } else if (result === VoteResult.Lost) {
          // A rejection carries the voter's term; pre-vote rejections do not move our term.
          this.becomeFollower(this.term, NONE);
        }
        return;
      }
      case MessageType.TimeoutNow:
        this.logger.debug(`${this.id} [term ${this.term} state ${this.state}] ignored MsgTimeoutNow from ${m.from}`);
        return;
      default:
        return;
    }
  }

  // ---- leader ----

  private stepLeader(m: Message): void {
    switch (m.type) {
      case MessageType.Beat:
        this.bcastHeartbeat();
        return;
      case MessageType.CheckQuorum:
        if (!this.trk.quorumActive()) {
          this.logger.warn(`${this.id} stepped down to follower since quorum is not active`);
          this.becomeFollower(this.term, NONE);
        }
        // Every follower must prove itself active again within the next election timeout.
        for (const [id, pr] of this.trk.progress) if (id !== this.id) pr.recentActive = false;
        return;
      case MessageType.Prop:
        this.handleProposal(m);
        return;
      case MessageType.ReadIndex:
        this.handleReadIndex(m);
        return;
      default:
        break;
    }

    // Everything else is about one peer's progress.
    const pr = this.trk.progress.get(m.from);
    if (pr === undefined) {
      this.logger.debug(`${this.id} no progress available for ${m.from}`);
      return;
    }
    switch (m.type) {
      case MessageType.AppResp:
        this.handleAppendResponse(m, pr);
        return;
      case MessageType.HeartbeatResp:
        this.handleHeartbeatResponse(m, pr);
        return;
      case MessageType.SnapStatus:
        if (pr.state !== ProgressState.Snapshot) return;
        if (m.reject) {
          this.logger.debug(`${this.id} snapshot to ${m.from} failed; resuming probing`);
          pr.pendingSnapshot = 0;
        }
        pr.becomeProbe();
        // Wait for the follower's answer (or a heartbeat answer) before probing again.
        pr.msgAppFlowPaused = true;
        return;
      case MessageType.Unreachable:
        // Optimistic pipelining to an unreachable peer only loses messages: probe instead.
        if (pr.state === ProgressState.Replicate) pr.becomeProbe();
        return;
      case MessageType.TransferLeader:
        this.handleTransferLeader(m.from, pr);
        return;
      default:
        return;
    }
  }

  private handleProposal(m: Message): void {
    if (m.entries.length === 0) throw new RaftError(RaftErrorCode.InvalidMessage, `${this.id} stepped empty MsgProp`);
    if (!this.trk.progress.has(this.id)) {
      // We were removed from the configuration but have not stepped down yet.
      throw errProposalDropped();
    }
    if (this.leadTransferee !== NONE) {
      this.logger.debug(`${this.id} [term ${this.term}] transfer leadership to ${this.leadTransferee} is in progress`);
      throw errTransferInProgress();
    }
    const local = m.from === this.id || m.from === NONE;
    const entries: Entry[] = m.entries.map((e) => ({ term: 0, index: 0, type: e.type, data: e.data }));
    let confIndex = 0;
    for (let i = 0; i < entries.length; i++) {
      if (entries[i].type !== EntryType.ConfChange) continue;
      const refusal = this.confChangeRefusal(entries[i].data, confIndex);
      if (refusal === undefined) {
        confIndex = this.raftLog.lastIndex() + i + 1;
        continue;
      }
      this.logger.info(`${this.id} ignoring conf change: ${refusal}`);
      if (local) throw new RaftError(RaftErrorCode.InvalidConfChange, refusal);
      // A forwarded proposal cannot be answered: keep its slot as a no-op, as etcd does.
      entries[i] = { term: 0, index: 0, type: EntryType.Normal, data: EMPTY };
    }
    if (!this.appendEntry(entries)) {
      this.logger.debug(`${this.id} appending new entries would exceed the uncommitted entry size limit; dropping`);
      throw errProposalDropped();
    }
    if (confIndex > 0) this.pendingConfIndex = confIndex;
    this.bcastAppend();
  }

  /** Why a proposed conf change cannot be accepted now, or undefined if it can. */
  private confChangeRefusal(data: Uint8Array, pendingInBatch: number): string | undefined {
    let cc: ConfChangeV2;
    try {
      cc = decodeConfChange(data);
    } catch (e) {
      if (e instanceof RaftError) return `malformed conf change: ${e.message}`;
      throw e;
    }
    if (pendingInBatch > 0 || this.pendingConfIndex > this.raftLog.applied) {
      return `possible unapplied conf change at index ${Math.max(pendingInBatch, this.pendingConfIndex)} (applied to ${this.raftLog.applied})`;
    }
    const alreadyJoint = this.trk.isJoint();
    const wantsLeaveJoint = isLeaveJoint(cc);
    if (alreadyJoint && !wantsLeaveJoint) return 'must transition out of joint config first';
    if (!alreadyJoint && wantsLeaveJoint) return 'not in joint state; refusing empty conf change';
    try {
      this.computeConfChange(cc);
    } catch (e) {
      if (e instanceof RaftError) return e.message;
      throw e;
    }
    return undefined;
  }

  /** Leader only: appends entries of the current term. Returns false if the uncommitted size limit forbids it. */
  private appendEntry(es: Entry[]): boolean {
    let last = this.raftLog.lastIndex();
    const stamped = es.map((e) => ({ term: this.term, index: ++last, type: e.type, data: e.data }));
    if (!this.increaseUncommittedSize(stamped)) return false;
    const li = this.raftLog.append(stamped);
    // Our own acknowledgement, delivered once the entries are durable.
    this.send(message({ type: MessageType.AppResp, to: this.id, index: li }));
    return true;
  }

  private increaseUncommittedSize(ents: Entry[]): boolean {
    let s = 0;
    for (const e of ents) s += e.data.length;
    const max = this.cfg.maxUncommittedEntriesSize;
    // Always accept something when nothing is outstanding, so that one large entry can still go through.
    if (max > 0 && this.uncommittedSize > 0 && s > 0 && this.uncommittedSize + s > max) return false;
    this.uncommittedSize += s;
    return true;
  }

  reduceUncommittedSize(ents: Entry[]): void {
    if (this.uncommittedSize === 0) return;
    let s = 0;
    for (const e of ents) s += e.data.length;
    this.uncommittedSize = Math.max(0, this.uncommittedSize - s);
  }

  private handleAppendResponse(m: Message, pr: Progress): void {
    pr.recentActive = true;
    if (m.reject) {
      this.logger.debug(`${this.id} received MsgAppResp(rejected, hint: (index ${m.rejectHint}, term ${m.logTerm})) from ${m.from} for index ${m.index}`);
      let nextProbeIdx = m.rejectHint;
      if (m.logTerm > 0) {
        // The follower's log has term m.logTerm at rejectHint; find where our log could agree with that.
        nextProbeIdx = this.raftLog.findConflictByTerm(m.rejectHint, m.logTerm).index;
      }
      if (pr.maybeDecrTo(m.index, nextProbeIdx)) {
        this.logger.debug(`${this.id} decreased progress of ${m.from} to [${pr.describe()}]`);
        if (pr.state === ProgressState.Replicate) pr.becomeProbe();
        this.sendAppend(m.from);
      }
      return;
    }
    if (m.index > this.raftLog.lastIndex()) {
      this.logger.warn(`${this.id} ignoring MsgAppResp from ${m.from} for index ${m.index} beyond our log`);
      return;
    }
    const wasPaused = pr.isPaused();
    const updated = pr.maybeUpdate(m.index);
    if (!updated && !(pr.match === m.index && pr.state === ProgressState.Probe)) return;
    if (pr.state === ProgressState.Probe) {
      pr.becomeReplicate();
    } else if (pr.state === ProgressState.Snapshot && pr.match + 1 >= this.raftLog.firstIndex()) {
      // The follower caught up past our compaction point (from the snapshot or otherwise): replicate again.
      this.logger.debug(`${this.id} recovered from needing snapshot, resumed sending replication messages to ${m.from}`);
      pr.becomeProbe();
      pr.becomeReplicate();
    } else if (pr.state === ProgressState.Replicate) {
      pr.inflights.freeLE(m.index);
    }
    if (this.maybeCommit()) {
      this.releasePendingReadIndexMessages();
      if (this.cfg.deferCommitBroadcast) this.commitBroadcastPending = true;
      else this.bcastAppend();
    } else if (m.from !== this.id && wasPaused) {
      this.sendAppend(m.from);
    }
    if (m.from !== this.id) {
      // Pipeline: fill the window with as many appends as flow control allows.
      while (this.maybeSendAppend(m.from, false)) {
        // keep sending
      }
    }
    if (m.from === this.leadTransferee && pr.match === this.raftLog.lastIndex()) {
      this.logger.info(`${this.id} sent MsgTimeoutNow to ${m.from} after received MsgAppResp`);
      this.sendTimeoutNow(m.from);
    }
  }

  private handleHeartbeatResponse(m: Message, pr: Progress): void {
    pr.recentActive = true;
    pr.msgAppFlowPaused = false;
    // The follower is alive but the window is full: acknowledgements were probably lost. Free one slot so that
    // replication resumes; a gap makes the follower reject and we fall back to probing.
    if (pr.state === ProgressState.Replicate && pr.inflights.full()) pr.inflights.freeFirstOne();
    if (pr.match < this.raftLog.lastIndex() || pr.state === ProgressState.Probe) this.sendAppend(m.from);
    if (this.readOnly.option !== ReadOnlyOption.Safe || m.context.length === 0) return;
    const acks = this.readOnly.recvAck(m.from, m.context);
    if (acks === undefined) return;
    const votes = new Map<NodeId, boolean>();
    for (const id of acks) votes.set(id, true);
    if (jointVoteResult(this.trk.config.voters, votes) !== VoteResult.Won) return;
    for (const rs of this.readOnly.advance(m.context)) this.respondToReadIndex(rs.req, rs.index);
  }

  private handleTransferLeader(transferee: NodeId, pr: Progress): void {
    if (pr.isLearner) {
      this.logger.debug(`${this.id} is ignoring transfer leadership to learner ${transferee}`);
      return;
    }
    if (this.leadTransferee !== NONE) {
      if (this.leadTransferee === transferee) {
        this.logger.info(`${this.id} transfer to ${transferee} already in progress; ignoring`);
        return;
      }
      this.abortLeaderTransfer();
    }
    if (transferee === this.id) {
      this.logger.debug(`${this.id} is already leader; ignoring transfer to self`);
      return;
    }
    this.logger.info(`${this.id} [term ${this.term}] starts to transfer leadership to ${transferee}`);
    // The transfer must finish within one election timeout.
    this.electionElapsed = 0;
    this.leadTransferee = transferee;
    if (pr.match === this.raftLog.lastIndex()) {
      this.sendTimeoutNow(transferee);
    } else {
      this.sendAppend(transferee);
    }
  }

  private sendTimeoutNow(to: NodeId): void {
    this.send(message({ type: MessageType.TimeoutNow, to }));
  }

  abortLeaderTransfer(): void {
    this.leadTransferee = NONE;
  }

  private maybeCommit(): boolean {
    const mci = this.trk.committed();
    if (!Number.isFinite(mci)) return false;
    return this.raftLog.maybeCommit(mci, this.term, this.cfg.unsafe.commitPreviousTermByCount === true);
  }

  private committedEntryInCurrentTerm(): boolean {
    return this.raftLog.termOrZero(this.raftLog.committed) === this.term;
  }

  // ---- replication ----

  /**
   * deferCommitBroadcast: tells every follower not yet told about the current commit index, with one MsgApp
   * each (carrying new entries if there are any). Called by RawNode before it collects a Ready.
   */
  flushCommitBroadcast(): void {
    if (!this.commitBroadcastPending) return;
    this.commitBroadcastPending = false;
    if (this.state !== StateType.Leader) return;
    const committed = this.raftLog.committed;
    this.trk.visit((id, pr) => {
      if (id !== this.id && pr.sentCommit < committed) this.sendAppend(id);
    });
  }

  hasPendingCommitBroadcast(): boolean {
    return this.commitBroadcastPending;
  }

  private bcastAppend(): void {
    this.trk.visit((id) => {
      if (id !== this.id) this.sendAppend(id);
    });
  }

  private sendAppend(to: NodeId): void {
    this.maybeSendAppend(to, true);
  }

  /**
   * Sends the next batch of entries to `to` if flow control allows (or a snapshot when the entries it needs
   * are compacted). With sendIfEmpty false, nothing is sent when there are no new entries. Returns whether a
   * message was sent.
   */
  private maybeSendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    if (to === this.id) return false;
    const pr = this.trk.progress.get(to);
    if (pr === undefined || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    let prevTerm: number;
    let ents: Entry[];
    try {
      prevTerm = this.raftLog.term(prevIndex);
      ents = pr.next > this.raftLog.lastIndex() ? [] : this.raftLog.entries(pr.next, this.cfg.maxSizePerMsg);
    } catch (e) {
      if (e instanceof RaftError && e.code === RaftErrorCode.Compacted) return this.maybeSendSnapshot(to, pr);
      if (e instanceof RaftError) {
        this.logger.warn(`${this.id} cannot send entries from ${pr.next} to ${to}: ${e.message}`);
        return false;
      }
      throw e;
    }
    if (ents.length === 0 && !sendIfEmpty) return false;
    let bytes = 0;
    for (const e of ents) bytes += entrySizeBytes(e);
    this.send(
      message({ type: MessageType.App, to, index: prevIndex, logTerm: prevTerm, entries: ents, commit: this.raftLog.committed }),
    );
    pr.sentCommit = Math.max(pr.sentCommit, this.raftLog.committed);
    pr.sentEntries(ents.length, ents.length > 0 ? ents[ents.length - 1].index : prevIndex, bytes);
    return true;
  }

  private maybeSendSnapshot(to: NodeId, pr: Progress): boolean {
    if (!pr.recentActive) {
      this.logger.debug(`${this.id} ignore sending snapshot to ${to} since it is not recently active`);
      return false;
    }
    let snap;
    try {
      snap = this.raftLog.snapshot();
    } catch (e) {
      if (e instanceof RaftError) {
        this.logger.debug(`${this.id} failed to send snapshot to ${to}: ${e.message}`);
        return false;
      }
      throw e;
    }
    if (isEmptySnapshot(snap)) {
      this.logger.warn(`${this.id} needs a snapshot for ${to} but storage has none`);
      return false;
    }
    this.logger.debug(`${this.id} sending snapshot [index: ${snap.metadata.index}] to ${to} [${pr.describe()}]`);
    pr.becomeSnapshot(snap.metadata.index);
    this.send(message({ type: MessageType.Snap, to, snapshot: snap }));
    return true;
  }

  private sendHeartbeat(to: NodeId, ctx: Uint8Array): void {
    const pr = this.trk.progress.get(to);
    if (pr === undefined) return;
    // Never tell a follower to commit beyond what it is known to hold.
    const commit = Math.min(pr.match, this.raftLog.committed);
    this.send(message({ type: MessageType.Heartbeat, to, commit, context: ctx }));
    pr.sentCommit = Math.max(pr.sentCommit, commit);
  }

  private bcastHeartbeat(): void {
    this.bcastHeartbeatWithCtx(this.readOnly.lastPendingRequestCtx() ?? EMPTY);
  }

  private bcastHeartbeatWithCtx(ctx: Uint8Array): void {
    this.trk.visit((id) => {
      if (id !== this.id) this.sendHeartbeat(id, ctx);
    });
  }

  // ---- ReadIndex ----

  private handleReadIndex(m: Message): void {
    if (this.trk.isSingleton() && this.trk.isVoter(this.id)) {
      // Alone: our commit index is trivially current.
      this.respondToReadIndex(m, this.raftLog.committed);
      return;
    }
    if (!this.committedEntryInCurrentTerm()) {
      // Our commit index may lag the previous leader's until an entry of our term commits.
      if (this.pendingReadIndexMessages.length < MAX_PENDING_READ_INDEX_MESSAGES) this.pendingReadIndexMessages.push(m);
      return;
    }
    this.startReadIndex(m);
  }

  private startReadIndex(m: Message): void {
    if (this.readOnly.option === ReadOnlyOption.LeaseBased) {
      this.respondToReadIndex(m, this.raftLog.committed);
      return;
    }
    if (!this.readOnly.addRequest(this.raftLog.committed, m)) {
      this.logger.debug(`${this.id} dropping read index request (duplicate context or queue full)`);
      return;
    }
    this.readOnly.recvAck(this.id, m.context);
    this.bcastHeartbeatWithCtx(m.context);
  }

  private releasePendingReadIndexMessages(): void {
    if (this.pendingReadIndexMessages.length === 0 || !this.committedEntryInCurrentTerm()) return;
    const pending = this.pendingReadIndexMessages;
    this.pendingReadIndexMessages = [];
    for (const m of pending) this.startReadIndex(m);
  }

  private respondToReadIndex(req: Message, index: number): void {
    if (req.from === NONE || req.from === this.id) {
      this.readStates.push({ index, requestCtx: req.context });
      return;
    }
    this.send(message({ type: MessageType.ReadIndexResp, to: req.from, index, context: req.context }));
  }

  // ---- application feedback ----

  /** The application applied everything up to `index`. */
  appliedTo(index: number): void {
    const old = this.raftLog.applied;
    this.raftLog.appliedTo(index);
    if (
      this.trk.config.autoLeave &&
      this.raftLog.applied > old &&
      this.raftLog.applied >= this.pendingConfIndex &&
      this.state === StateType.Leader
    ) {
      // The joint configuration is applied (and hence committed): propose leaving it. An empty ConfChangeV2
      // means "leave joint".
      const leave: ConfChangeV2 = { transition: ConfChangeTransition.Auto, changes: [], context: EMPTY };
      const entry: Entry = { term: 0, index: 0, type: EntryType.ConfChange, data: encodeConfChange(leave) };
      try {
        this.step(message({ type: MessageType.Prop, from: this.id, entries: [entry] }));
        this.logger.info(`${this.id} initiating automatic transition out of joint configuration`);
      } catch (e) {
        if (!(e instanceof RaftError)) throw e;
        this.logger.debug(`${this.id} not leaving joint configuration now: ${e.message}`);
      }
    }
  }

  /** Computes (without switching) the configuration a conf change leads to. Throws RaftError InvalidConfChange. */
  private computeConfChange(cc: ConfChangeV2): ChangeResult {
    const changer = new Changer(this.trk.config, this.trk.progress, this.raftLog.lastIndex(), this.cfg.maxInflightMsgs);
    if (isLeaveJoint(cc)) return changer.leaveJoint();
    const { joint, autoLeave } = entersJoint(cc);
    return joint ? changer.enterJoint(autoLeave, cc.changes) : changer.simple(cc.changes);
  }

  /** Applies a committed conf change. Throws RaftError InvalidConfChange (configuration left unchanged). */
  applyConfChange(cc: ConfChangeV2): ConfState {
    return this.switchToConfig(this.computeConfChange(cc));
  }

  private switchToConfig(result: ChangeResult): ConfState {
    this.trk.config = result.config;
    this.trk.progress = result.progress;
    this.logger.info(`${this.id} switched to configuration voters=${this.trk.voterIds().join(',')} learners=${this.trk.learnerIds().join(',')}`);
    const cs = this.trk.confState();
    const self = this.trk.progress.get(this.id);
    this.isLearner = self?.isLearner ?? false;
    if ((self === undefined || this.isLearner) && this.state === StateType.Leader) {
      // Removed or demoted: a leader that is not a voter must not keep leading.
      this.logger.info(`${this.id} was removed or demoted from the configuration; stepping down`);
      this.becomeFollower(this.term, NONE);
      return cs;
    }
    if (this.state !== StateType.Leader || cs.voters.length === 0) return cs;
    // The quorum may have changed: commit what the new configuration allows, and feed newly added nodes.
    if (this.maybeCommit()) {
      this.bcastAppend();
    } else {
      this.trk.visit((id) => {
        if (id !== this.id) this.maybeSendAppend(id, false);
      });
    }
    if (this.leadTransferee !== NONE && !this.trk.isVoter(this.leadTransferee)) this.abortLeaderTransfer();
    return cs;
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
