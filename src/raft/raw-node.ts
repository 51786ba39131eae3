// The synchronous face of the Raft core. The driver (or a test, or the simulator) feeds it ticks, peer messages
// and proposals, and takes its output as Ready batches:
//
//   while (node.hasReady()) {
//     const rd = node.ready();
//     send(rd.messages);                                  // may go before the disk write
//     persist(rd.snapshot, rd.entries, rd.hardState);     // one durable write
//     send(rd.messagesAfterPersist);
//     apply(rd.snapshot, rd.committedEntries);            // conf change entries: node.applyConfChange(cc)
//     node.advance();
//   }
//
// Messages a node addresses to itself (its own vote, the leader's acknowledgement of its own log) never appear in
// a Ready: they are held back and stepped by advance(), i.e. once the state they vouch for is durable.
import { encodeConfChange } from './confchange-codec.ts';
import type { Config } from './config.ts';
import { RaftError, RaftErrorCode } from './errors.ts';
import { Raft } from './raft.ts';
import { basicStatusOf, statusOf, type BasicStatus, type Status } from './status.ts';
import {
  EntryType,
  message,
  MessageType,
  NONE,
  type ConfChangeV2,
  type ConfState,
  type HardState,
  type Message,
  type NodeId,
  type Ready,
  type SoftState,
} from './types.ts';
import { RESPONSE_TYPES, validatePeerMessage } from './validate-message.ts';

/** What the last Ready(s) handed out, to be acknowledged by advance(). */
interface InFlight {
  /** Last entry handed out for persistence (index and term), if any. */
  lastEntry?: { index: number; term: number };
  snapshotIndex?: number;
  /** Highest index handed out for application (committed entry or snapshot). */
  appliedCursor: number;
  /** Our own messages to step once the Ready is durable. */
  selfMessages: Message[];
}

export class RawNode {
  private readonly raft: Raft;
  private prevSoftState: SoftState;
  private prevHardState: HardState;
  private inFlight: InFlight | undefined;

  constructor(config: Config) {
    this.raft = new Raft(config);
    this.prevSoftState = this.raft.softState();
    this.prevHardState = this.raft.hardState();
  }

  get id(): NodeId {
    return this.raft.id;
  }

  /** Advances the logical clock by one tick (election and heartbeat timeouts count ticks). */
  tick(): void {
    this.raft.tick();
  }

  /** Starts an election now (with a pre-vote round first if configured). */
  campaign(): void {
    this.raft.step(message({ type: MessageType.Hup, from: this.raft.id }));
  }

  /** Proposes data to be appended. Throws RaftError ProposalDropped or TransferInProgress when refused now. */
  propose(data: Uint8Array): void {
    this.raft.step(
      message({ type: MessageType.Prop, from: this.raft.id, entries: [{ term: 0, index: 0, type: EntryType.Normal, data }] }),
    );
  }

  /**
   * Proposes several entries at once: they are appended together and go to each follower in one MsgApp (within
   * maxSizePerMsg), which is what a driver draining its proposal queue once per event-loop turn wants. All or
   * nothing: throws like propose() and then appends none.
   */
  proposeBatch(datas: Uint8Array[]): void {
    if (datas.length === 0) return;
    this.raft.step(
      message({
        type: MessageType.Prop,
        from: this.raft.id,
        entries: datas.map((data) => ({ term: 0, index: 0, type: EntryType.Normal, data })),
      }),
    );
  }

  /**
   * Proposes a membership change. Besides the proposal errors, throws RaftError InvalidConfChange when this
   * leader refuses it now (another change pending, joint state mismatch, or an invalid change).
   */
  proposeConfChange(cc: ConfChangeV2): void {
    const data = encodeConfChange(cc);
    this.raft.step(
      message({ type: MessageType.Prop, from: this.raft.id, entries: [{ term: 0, index: 0, type: EntryType.ConfChange, data }] }),
    );
  }

  /**
   * Applies a committed conf change entry to the configuration and returns the new ConfState (to store with
   * snapshots). Throws RaftError InvalidConfChange, leaving the configuration as it was, if the change is
   * invalid: every node then refuses it identically, so the application treats the entry as a no-op.
   */
  applyConfChange(cc: ConfChangeV2): ConfState {
    return this.raft.applyConfChange(cc);
  }

  /**
   * Steps a message received from a peer. Throws RaftError InvalidMessage for malformed or local-only messages
   * and StepPeerNotFound for responses from nodes not in the configuration.
   */
  step(m: Message): void {
    validatePeerMessage(m, this.raft.id);
    if (RESPONSE_TYPES.has(m.type) && !this.raft.trk.progress.has(m.from)) {
      throw new RaftError(RaftErrorCode.StepPeerNotFound, `response ${m.type} from unknown peer ${m.from}`);
    }
    this.raft.step(m);
  }

  /**
   * Requests a read index; the answer arrives as a ReadState with the same context in a later Ready. Dropped
   * silently when no leader is known (retry after a timeout, as with etcd).
   */
  readIndex(ctx: Uint8Array): void {
    this.raft.step(message({ type: MessageType.ReadIndex, from: NONE, context: ctx }));
  }

  /** Asks the leader (this node or, forwarded, the known leader) to hand leadership to `to`. */
  transferLeader(to: NodeId): void {
    this.raft.step(message({ type: MessageType.TransferLeader, from: to }));
  }

  /** The transport failed to deliver to `id`: stop pipelining to it until it answers again. */
  reportUnreachable(id: NodeId): void {
    this.raft.step(message({ type: MessageType.Unreachable, from: id }));
  }

  /** Outcome of sending a snapshot to `id`. */
  reportSnapshot(id: NodeId, ok: boolean): void {
    this.raft.step(message({ type: MessageType.SnapStatus, from: id, reject: !ok }));
  }

  hasReady(): boolean {
    const r = this.raft;
    const log = r.raftLog;
    if (r.hasPendingCommitBroadcast()) return true;
    if (!softStateEqual(r.softState(), this.prevSoftState)) return true;
    if (!hardStateEqual(r.hardState(), this.prevHardState)) return true;
    if (log.nextUnstableSnapshot() !== undefined) return true;
    if (r.msgs.length > 0 || r.msgsAfterAppend.length > 0) return true;
    if (log.hasNextUnstableEntries()) return true;
    if (log.hasNextCommittedEntries()) return true;
    return r.readStates.length > 0;
  }

  /** The next batch of work. Hand it fully, then call advance(). */
  ready(): Ready {
    const r = this.raft;
    r.flushCommitBroadcast();
    const log = r.raftLog;
    const entries = log.nextUnstableEntries();
    const committedEntries = log.nextCommittedEntries(r.cfg.maxCommittedSizePerReady);
    const snapshot = log.nextUnstableSnapshot();
    const softState = r.softState();
    const hardState = r.hardState();
    const messagesAfterPersist: Message[] = [];
    const selfMessages: Message[] = [];
    for (const m of r.msgsAfterAppend) (m.to === r.id ? selfMessages : messagesAfterPersist).push(m);

    const rd: Ready = {
      readStates: r.readStates,
      entries,
      committedEntries,
      messages: r.msgs,
      messagesAfterPersist,
      // Commit index changes alone need no fsync: a lost commit index is learned again from the leader.
      mustSync:
        entries.length > 0 ||
        snapshot !== undefined ||
        hardState.term !== this.prevHardState.term ||
        hardState.vote !== this.prevHardState.vote,
    };
    if (!softStateEqual(softState, this.prevSoftState)) {
      rd.softState = softState;
      this.prevSoftState = softState;
    }
    if (!hardStateEqual(hardState, this.prevHardState)) {
      rd.hardState = hardState;
      this.prevHardState = hardState;
    }
    if (snapshot !== undefined) rd.snapshot = snapshot;

    // Accept: this Ready's content is now the driver's.
    r.msgs = [];
    r.msgsAfterAppend = [];
    r.readStates = [];
    log.acceptUnstable();
    const f: InFlight = this.inFlight ?? { appliedCursor: 0, selfMessages: [] };
    if (entries.length > 0) {
      const last = entries[entries.length - 1];
      f.lastEntry = { index: last.index, term: last.term };
    }
    if (snapshot !== undefined) {
      f.snapshotIndex = snapshot.metadata.index;
      f.appliedCursor = Math.max(f.appliedCursor, snapshot.metadata.index);
    }
    if (committedEntries.length > 0) {
      const lastIndex = committedEntries[committedEntries.length - 1].index;
      log.acceptApplying(lastIndex);
      f.appliedCursor = Math.max(f.appliedCursor, lastIndex);
      r.reduceUncommittedSize(committedEntries);
    }
    f.selfMessages.push(...selfMessages);
    this.inFlight = f;
    return rd;
  }

  /** The last Ready was handled: persisted, sent and applied. */
  advance(): void {
    const f = this.inFlight;
    if (f === undefined) return;
    this.inFlight = undefined;
    const r = this.raft;
    if (f.snapshotIndex !== undefined) {
      r.raftLog.stableSnapTo(f.snapshotIndex);
      r.raftLog.appliedSnapshot(f.snapshotIndex);
    }
    if (f.lastEntry !== undefined) r.raftLog.stableTo(f.lastEntry.index, f.lastEntry.term);
    if (f.appliedCursor > 0) r.appliedTo(f.appliedCursor);
    for (const m of f.selfMessages) r.step(m);
  }

  status(): Status {
    return statusOf(this.raft);
  }

  basicStatus(): BasicStatus {
    return basicStatusOf(this.raft);
  }
}

function softStateEqual(a: SoftState, b: SoftState): boolean {
  return a.lead === b.lead && a.raftState === b.raftState;
}

function hardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
