// The driver of one Raft node: it owns a RawNode, the LogStorage, a Transport and a Clock, and runs the Ready
// loop, ONE cycle per event-loop turn at most:
//
//   1. drain every queued proposal into the core, start a ReadIndex round if readers wait;
//   2. take ready(); send `messages` at once (the leader replicates while its own write is in flight, thesis
//      §10.2.1);
//   3. ONE storage.save of hard state, entries and snapshot (the storage group-commits it into one fsync);
//      then send `messagesAfterPersist` (votes, append acknowledgements);
//   4. meanwhile apply the committed entries in one batch — those already durable here at once, those of this
//      very Ready (a follower learning entries and their commit together) or after a snapshot once saved;
//   5. advance() once saved; take a snapshot of the application every `snapshotCount` applied entries and compact.
//
// Applying is pipelined with the next cycle (as etcd's apply goroutine): batches apply strictly one after the
// other, and a cycle advances without waiting for its own batch, only for the one before it (so at most two
// batches are outstanding). A Ready carrying a snapshot or a conf change waits for its apply before advancing,
// since those change what the core itself knows.
//
// Messages and ticks are stepped into the core as they come, also while a cycle waits for the disk; their
// output waits for the next cycle. Proposals are data only: the application recognises its own entries when
// they are applied (the store puts a request id in each), so the node never waits per proposal.
import { assert } from '../assert.ts';
import { BOOTSTRAP_INDEX } from '../bootstrap.ts';
import { decodeConfChange } from '../confchange-codec.ts';
import { silentLogger, type RaftLogger } from '../config.ts';
import { RaftError, errProposalDropped } from '../errors.ts';
import { RawNode } from '../raw-node.ts';
import { SeededRng, type Rng } from '../rng.ts';
import type { Status } from '../status.ts';
import type { LogStorage } from '../storage.ts';
import {
  EntryType,
  NONE,
  StateType,
  type ConfChangeV2,
  type ConfState,
  type Entry,
  MessageType,
  type Message,
  type NodeId,
  type Ready,
  type Snapshot,
  type SoftState,
} from '../types.ts';
import { RealClock, type Cancel, type Clock } from './clock.ts';
import { errStopped, errTimeout, errTooManyPending } from './node-errors.ts';
import { ReadBatcher } from './read-batcher.ts';
import type { PeerReport, Transport } from './transport.ts';

/** What the node needs from the replicated application (the store). */
export interface RaftApplication {
  /**
   * Applies committed entries in log order: every entry of one cycle in one call, and the next call only after
   * this one resolved. Conf change entries come too (already applied to Raft's configuration), and so do the
   * empty entries a new leader appends. Entries at or below the applied index given at start never come.
   */
  apply(entries: readonly Entry[]): Promise<void>;
  /**
   * The application's state at `index`, its applied index (no apply runs during the call), for a snapshot. The
   * state must be taken on the call itself: the bytes may come later, while the next entries are applied.
   * An application with stateToSend() instead makes its state through `index` durable and returns no bytes.
   */
  snapshot(index: number): Promise<Uint8Array> | Uint8Array;
  /**
   * Optional, for an application whose state is durable on its own (a database that stores its applied index):
   * snapshots in storage then carry no state (only Raft's metadata; the log is compacted once snapshot() made
   * the state durable), and a follower that needs a snapshot is sent the state as it is when sending, at an
   * applied index at or past the snapshot's, as etcd sends its backend. Called with no apply running; the state
   * must be taken on the call itself.
   */
  stateToSend?(): Promise<Uint8Array>;
  /**
   * Replaces the application's state with a snapshot's, received from the leader or found newer at start.
   * Resolves with the applied index of the state restored when it is past the snapshot's (see stateToSend):
   * the entries up to it are then not handed to apply() again.
   */
  restore(snapshot: Snapshot): Promise<number | void>;
}

export interface RaftNodeOptions {
  id: NodeId;
  storage: LogStorage;
  transport: Transport;
  app: RaftApplication;
  /** The application's durable applied index when starting (0 for a fresh one). */
  appliedIndex: number;
  clock?: Clock;
  /** Wall time between leader heartbeats; one tick lasts heartbeatIntervalMs / heartbeatTick. */
  heartbeatIntervalMs?: number;
  heartbeatTick?: number;
  electionTick?: number;
  preVote?: boolean;
  checkQuorum?: boolean;
  maxSizePerMsg?: number;
  maxInflightMsgs?: number;
  maxUncommittedEntriesSize?: number;
  /** Applied entries between two application snapshots. */
  snapshotCount?: number;
  /** Entries kept before a snapshot's index when compacting, so slightly slow followers avoid a snapshot. */
  snapshotCatchUpEntries?: number;
  /** Proposals waiting for the next cycle; beyond it propose() fails with TooManyPending. */
  maxPendingProposals?: number;
  /** How long a read waits for its ReadIndex round (retried every election timeout) before failing. */
  readIndexTimeoutMs?: number;
  rng?: Rng;
  logger?: RaftLogger;
}

interface PendingProposal {
  data: Uint8Array;
  confChange?: ConfChangeV2;
  resolve: () => void;
  reject: (e: unknown) => void;
}

interface TransferWaiter {
  to: NodeId;
  resolve: () => void;
  reject: (e: unknown) => void;
  cancel: Cancel;
}

export interface RaftNodeStatus extends Status {
  /** Index of the last entry the application has applied (handed to apply() and resolved). */
  appliedIndex: number;
  lastIndex: number;
  /** Index of the last application snapshot in storage. */
  snapshotIndex: number;
  readIndexRounds: number;
  /** ReadIndex rounds asked again because no answer came (retry timer, leader change). */
  readIndexRetries: number;
  cycles: number;
}

export type LeaderChangeHandler = (leader: NodeId, term: number) => void;

export class RaftNode {
  readonly id: NodeId;
  private readonly raw: RawNode;
  private readonly storage: LogStorage;
  private readonly transport: Transport;
  private readonly app: RaftApplication;
  private readonly clock: Clock;
  private readonly logger: RaftLogger;
  private readonly reads: ReadBatcher;
  private readonly electionTimeoutMs: number;
  private readonly snapshotCount: number;
  private readonly catchUpEntries: number;
  private readonly maxPending: number;

  private proposals: PendingProposal[] = [];
  private transfers: TransferWaiter[] = [];
  private leaderHandlers: LeaderChangeHandler[] = [];
  private fatalHandlers: Array<(e: unknown) => void> = [];
  private soft: SoftState = { lead: NONE, raftState: StateType.Follower };
  private term = 0;
  private applied: number;
  private snapshotIndex: number;
  private confState: ConfState;
  /**
   * A membership change was applied since the last snapshot. A node added later catches up from a snapshot and
   * refuses one that does not name it, so the next snapshot is taken at once (as etcd sends a fresh one).
   */
  private confChangedSinceSnapshot = false;
  private cancelTick: Cancel;
  private scheduled = false;
  private running: Promise<void> | undefined;
  /** The last apply batch handed out (they run one after the other); settles once it is applied. */
  private applying: Promise<void> = Promise.resolve();
  private stopped = false;
  private closing: Promise<void> | undefined;
  private failure: unknown = undefined;
  /** A snapshot is being serialized and written in the background (maybeSnapshot): one at a time. */
  private snapshotting = false;
  private cycles = 0;

  private constructor(options: RaftNodeOptions, applied: number) {
    this.id = options.id;
    this.storage = options.storage;
    this.transport = options.transport;
    this.app = options.app;
    this.clock = options.clock ?? new RealClock();
    this.logger = options.logger ?? silentLogger;
    const heartbeatTick = options.heartbeatTick ?? 1;
    const electionTick = options.electionTick ?? 10;
    const tickMs = (options.heartbeatIntervalMs ?? 100) / heartbeatTick;
    this.electionTimeoutMs = tickMs * electionTick;
    this.snapshotCount = options.snapshotCount ?? 10_000;
    this.catchUpEntries = options.snapshotCatchUpEntries ?? 5_000;
    this.maxPending = options.maxPendingProposals ?? 100_000;
    const snap = this.storage.snapshot();
    this.snapshotIndex = snap.metadata.index;
    this.confState = this.storage.initialState().confState;
    this.applied = applied;
    this.raw = new RawNode({
      id: options.id,
      storage: this.storage,
      // Entries after the snapshot are handed out again: conf changes among them rebuild the configuration.
      // The application does not see those it already applied (see applyReady).
      applied: snap.metadata.index,
      electionTick,
      heartbeatTick,
      preVote: options.preVote ?? true,
      checkQuorum: options.checkQuorum ?? true,
      maxSizePerMsg: options.maxSizePerMsg,
      maxInflightMsgs: options.maxInflightMsgs,
      maxUncommittedEntriesSize: options.maxUncommittedEntriesSize,
      rng: options.rng ?? new SeededRng(Math.floor(Math.random() * 0x1_0000_0000)),
      logger: this.logger,
    });
    this.term = this.storage.initialState().hardState.term;
    this.reads = new ReadBatcher(options.id, this.clock, this.electionTimeoutMs, options.readIndexTimeoutMs ?? 5_000, () => this.schedule());
    this.transport.onReceive((messages) => this.receive(messages));
    this.transport.onReport((r) => this.onPeerReport(r));
    this.cancelTick = this.clock.setInterval(() => this.tick(), tickMs);
  }

  /**
   * Starts a node over its storage. When the storage holds a snapshot newer than the application's applied
   * index (the application lost state), the application restores it first.
   */
  static async start(options: RaftNodeOptions): Promise<RaftNode> {
    const snap = options.storage.snapshot();
    let applied = options.appliedIndex;
    if (snap.metadata.index > applied) {
      // An application keeping its own state made it durable past every snapshot it let us take: it lost it.
      const stateless = snap.data.length === 0 && snap.metadata.index > BOOTSTRAP_INDEX;
      assert(!stateless || options.app.stateToSend === undefined, () => `raft node ${options.id}: the application's applied index ${applied} is behind the snapshot at ${snap.metadata.index}, which holds no state: the application lost durable state`);
      // The bootstrap snapshot carries no application state: nothing to restore from it.
      if (snap.data.length > 0) applied = Math.max(applied, (await options.app.restore(snap)) ?? 0);
      applied = Math.max(applied, snap.metadata.index);
    }
    return new RaftNode(options, applied);
  }

  // ---- API ----

  /**
   * Queues `data` for the next cycle. Resolves once the core took it (appended as leader, or forwarded to the
   * leader); the entry may still be lost to a leader change, so callers wait for it in apply() with a timeout.
   * Rejects with RaftError ProposalDropped (no leader) or TransferInProgress, or RaftNodeError.
   */
  propose(data: Uint8Array): Promise<void> {
    return this.enqueue(data, undefined);
  }

  /** Proposes a membership change; applied (and seen by apply()) once committed. Rejects as propose(). */
  proposeConfChange(cc: ConfChangeV2): Promise<void> {
    return this.enqueue(new Uint8Array(0), cc);
  }

  /**
   * A linearizable read point: resolves with an index the application has applied and that is at least the
   * leader's commit index at some moment after the call. All reads arriving while a round is in flight share
   * the next round.
   */
  readIndex(): Promise<number> {
    const refused = this.refusal();
    if (refused !== undefined) return Promise.reject(refused);
    return this.reads.read();
  }

  /** Asks the leader to hand leadership to `to`; resolves once this node sees `to` lead. */
  transferLeader(to: NodeId, timeoutMs = 4 * this.electionTimeoutMs): Promise<void> {
    const refused = this.refusal();
    if (refused !== undefined) return Promise.reject(refused);
    if (this.soft.lead === to) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: TransferWaiter = {
        to,
        resolve,
        reject,
        cancel: this.clock.setTimeout(() => {
          this.transfers = this.transfers.filter((w) => w !== waiter);
          reject(errTimeout(`leader transfer to ${to}`));
        }, timeoutMs),
      };
      this.transfers.push(waiter);
      this.guard(() => this.raw.transferLeader(to));
      this.schedule();
    });
  }

  /** Calls `handler(leader, term)` whenever the known leader changes (NONE: no leader). Returns an unsubscribe. */
  onLeaderChange(handler: LeaderChangeHandler): () => void {
    this.leaderHandlers.push(handler);
    return () => {
      this.leaderHandlers = this.leaderHandlers.filter((h) => h !== handler);
    };
  }

  /** Called once if the node fails (a storage write failed, an application callback threw): it has stopped. */
  onFatal(handler: (e: unknown) => void): void {
    this.fatalHandlers.push(handler);
  }

  get leader(): NodeId {
    return this.soft.lead;
  }

  get currentTerm(): number {
    return this.term;
  }

  get appliedIndex(): number {
    return this.applied;
  }

  get isLeader(): boolean {
    return this.soft.lead === this.id;
  }

  status(): RaftNodeStatus {
    return {
      ...this.raw.status(),
      appliedIndex: this.applied,
      lastIndex: this.storage.lastIndex(),
      snapshotIndex: this.snapshotIndex,
      readIndexRounds: this.reads.rounds,
      readIndexRetries: this.reads.retries,
      cycles: this.cycles,
    };
  }

  /** Campaigns now instead of waiting for an election timeout (tests, single-member bootstrap). */
  campaign(): void {
    this.guard(() => this.raw.campaign());
    this.schedule();
  }

  /** Stops ticking, finishes the cycle in flight, fails every waiter, closes the transport and the storage. */
  async stop(): Promise<void> {
    this.closing ??= (async () => {
      this.stopped = true;
      this.cancelTick();
      while (this.running !== undefined) await this.running;
      await this.applying.catch(() => undefined);
      // A snapshot still being made is not waited for: it notices the stop and writes nothing.
      this.failWaiters(errStopped());
      await this.transport.close();
      await this.storage.close();
    })();
    return this.closing;
  }

  // ---- inputs ----

  private enqueue(data: Uint8Array, confChange: ConfChangeV2 | undefined): Promise<void> {
    const refused = this.refusal();
    if (refused !== undefined) return Promise.reject(refused);
    if (this.proposals.length >= this.maxPending) return Promise.reject(errTooManyPending());
    return new Promise((resolve, reject) => {
      this.proposals.push({ data, confChange, resolve, reject });
      this.schedule();
    });
  }

  private refusal(): unknown {
    if (this.failure !== undefined) return errStopped(this.failure);
    if (this.stopped) return errStopped();
    if (this.soft.lead === NONE) return errProposalDropped();
    return undefined;
  }

  private tick(): void {
    if (this.stopped) return;
    this.guard(() => this.raw.tick());
    this.schedule();
  }

  private receive(messages: Message[]): void {
    if (this.stopped) return;
    for (const m of messages) {
      try {
        this.raw.step(m);
      } catch (e) {
        if (!(e instanceof RaftError)) return this.fail(e);
        this.logger.debug(`raft node ${this.id}: refused ${m.type} from ${m.from}: ${e.message}`);
      }
    }
    this.schedule();
  }

  private onPeerReport(r: PeerReport): void {
    if (this.stopped) return;
    if (r.type === 'unreachable') this.guard(() => this.raw.reportUnreachable(r.peer));
    else if (r.type === 'snapshot') this.guard(() => this.raw.reportSnapshot(r.peer, r.ok));
    else this.logger.warn(`raft node ${this.id}: peer ${r.peer} refused us (${r.reason}): ${r.detail}`);
    this.schedule();
  }

  // ---- the Ready loop ----

  private schedule(): void {
    if (this.scheduled || this.running !== undefined || this.stopped) return;
    this.scheduled = true;
    // After this turn's I/O callbacks: every proposal and message of the turn joins the cycle.
    setImmediate(() => {
      this.scheduled = false;
      // A cycle may have started meanwhile, and its synchronous part can call back here (a transport reporting
      // a full queue from inside send(), read states waking the node) before `running` is set: never run two
      // cycles at once (a second Ready would apply entries before the first's). Its end reschedules.
      if (this.stopped || this.running !== undefined) return;
      this.running = this.cycle()
        .catch((e) => this.fail(e))
        .finally(() => {
          this.running = undefined;
          if (this.hasWork()) this.schedule();
        });
    });
  }

  private hasWork(): boolean {
    return !this.stopped && (this.proposals.length > 0 || this.reads.wantsRound || this.raw.hasReady());
  }

  private async cycle(): Promise<void> {
    this.drainProposals();
    if (this.reads.wantsRound) this.raw.readIndex(this.reads.startRound());
    if (!this.raw.hasReady()) return;
    this.cycles++;
    const rd = this.raw.ready();
    if (rd.hardState !== undefined) this.term = rd.hardState.term;
    // Read states first: an answer confirmed by a quorum stays valid across a leader change in the same Ready,
    // which would otherwise send its round out again.
    if (rd.readStates.length > 0) this.reads.onReadStates(rd.readStates, this.applied);
    if (rd.softState !== undefined) this.onSoftState(rd.softState);
    if (rd.messages.length > 0) this.send(rd.messages);

    const writes = rd.snapshot !== undefined || rd.entries.length > 0 || rd.hardState !== undefined;
    const saved = writes
      ? this.storage.save({ hardState: rd.hardState, entries: rd.entries, snapshot: rd.snapshot })
      : Promise.resolve();
    const sent = saved.then(() => {
      if (rd.messagesAfterPersist.length > 0) this.send(rd.messagesAfterPersist);
    });
    const previous = this.applying;
    const ready = this.mustApplyAfterSave(rd) ? Promise.all([previous, saved]) : previous;
    const applied = ready.then(() => this.applyReady(rd));
    this.applying = applied;
    if (this.changesCore(rd)) {
      await Promise.all([sent, applied]);
    } else {
      // The batch applies on its own; a failure stops the node like any other.
      applied.catch((e: unknown) => this.fail(e));
      await Promise.all([sent, previous]);
    }
    this.raw.advance();
    await this.maybeSnapshot();
  }

  /** Hands messages to the transport; a snapshot without state gets the application's first (sendSnapshot). */
  private send(messages: Message[]): void {
    if (this.app.stateToSend === undefined || !messages.some(isStatelessSnapshot)) return this.transport.send(messages);
    const rest: Message[] = [];
    for (const m of messages) {
      if (isStatelessSnapshot(m)) this.sendSnapshot(m);
      else rest.push(m);
    }
    if (rest.length > 0) this.transport.send(rest);
  }

  /**
   * Sends a snapshot with the application's state as it is now (stateToSend). The core waits for the peer's
   * report, as for any snapshot; failing to make the state reports the snapshot failed, so the core retries.
   */
  private sendSnapshot(m: Message): void {
    const stateToSend = this.app.stateToSend;
    assert(stateToSend !== undefined && m.snapshot !== undefined, 'sendSnapshot without state to send');
    const metadata = m.snapshot.metadata;
    void (async () => {
      await this.applyIdle();
      const data = await stateToSend.call(this.app);
      if (this.stopped) return;
      this.logger.info(`raft node ${this.id}: sending snapshot ${metadata.index}/${metadata.term} to ${m.to} (${data.length} bytes of state)`);
      this.transport.send([{ ...m, snapshot: { metadata, data } }]);
    })().catch((e: unknown) => {
      if (this.stopped) return;
      this.logger.warn(`raft node ${this.id}: snapshot for ${m.to} not made: ${e instanceof Error ? e.message : String(e)}`);
      this.guard(() => this.raw.reportSnapshot(m.to, false));
      this.schedule();
    });
  }

  /** Resolves at a moment when no apply batch runs or waits to run. */
  private async applyIdle(): Promise<void> {
    for (;;) {
      const batch = this.applying;
      await batch.catch(() => undefined);
      if (batch === this.applying) return;
    }
  }

  /** A snapshot to restore or a conf change to apply: the core must see it before the next Ready. */
  private changesCore(rd: Ready): boolean {
    if (rd.snapshot !== undefined) return true;
    for (const e of rd.committedEntries) if (e.type === EntryType.ConfChange) return true;
    return false;
  }

  private drainProposals(): void {
    const batch = this.proposals;
    if (batch.length === 0) return;
    this.proposals = [];
    for (let k = 0; k < batch.length; k++) {
      const p = batch[k];
      try {
        if (p.confChange !== undefined) this.raw.proposeConfChange(p.confChange);
        else this.raw.propose(p.data);
        p.resolve();
      } catch (e) {
        if (!(e instanceof RaftError)) {
          for (const rest of batch.slice(k)) rest.reject(errStopped(e));
          throw e;
        }
        p.reject(e);
      }
    }
  }

  /** Committed entries that this Ready also persists (or follow its snapshot) wait for the write. */
  private mustApplyAfterSave(rd: Ready): boolean {
    if (rd.snapshot !== undefined) return true;
    const committed = rd.committedEntries;
    if (committed.length === 0 || rd.entries.length === 0) return false;
    return committed[committed.length - 1].index >= rd.entries[0].index;
  }

  private async applyReady(rd: Ready): Promise<void> {
    if (rd.snapshot !== undefined) {
      const snap = rd.snapshot;
      const restoredTo = await this.app.restore(snap);
      this.applied = Math.max(this.applied, snap.metadata.index, restoredTo ?? 0);
      this.snapshotIndex = snap.metadata.index;
      this.confState = snap.metadata.confState;
      this.logger.info(`raft node ${this.id}: restored snapshot ${snap.metadata.index}/${snap.metadata.term}`);
    }
    const committed = rd.committedEntries;
    if (committed.length === 0) return;
    for (const e of committed) if (e.type === EntryType.ConfChange) this.applyConfChange(e);
    const fresh = committed[0].index > this.applied ? committed : committed.filter((e) => e.index > this.applied);
    // The store skips nothing it is handed: a gap here would leave this member silently behind its peers.
    assert(fresh.length === 0 || fresh[0].index === this.applied + 1, () => `raft node ${this.id}: committed entries resume at ${fresh[0].index} after applied index ${this.applied}`);
    if (fresh.length > 0) await this.app.apply(fresh);
    this.applied = Math.max(this.applied, committed[committed.length - 1].index);
    this.reads.onApplied(this.applied);
  }

  private applyConfChange(e: Entry): void {
    try {
      this.confState = this.raw.applyConfChange(decodeConfChange(e.data));
      this.confChangedSinceSnapshot = true;
    } catch (err) {
      // Refused identically by every node: the entry is a no-op.
      if (!(err instanceof RaftError)) throw err;
      this.logger.warn(`raft node ${this.id}: conf change at ${e.index} refused: ${err.message}`);
    }
  }

  private async maybeSnapshot(): Promise<void> {
    if (this.snapshotting) return;
    if (this.applied - this.snapshotIndex < this.snapshotCount && !this.confChangedSinceSnapshot) return;
    await this.applying; // the application's state is taken with no apply running
    const index = this.applied;
    if (this.snapshotting || index <= this.snapshotIndex || index > this.storage.lastIndex()) return;
    if (index - this.snapshotIndex < this.snapshotCount && !this.confChangedSinceSnapshot) return;
    this.confChangedSinceSnapshot = false;
    // The application takes its state as of `index` on this call; making the bytes and writing them go on while
    // cycles run (heartbeats, appends, applies). A large store takes seconds to serialize, longer than an
    // election timeout: done inside the cycle, the member went silent and lost (or deposed) its leader.
    const data = this.app.snapshot(index);
    const confState = this.confState;
    this.snapshotting = true;
    void this.finishSnapshot(index, confState, data)
      .catch((e: unknown) => {
        if (!this.stopped) this.fail(e);
      })
      .finally(() => {
        this.snapshotting = false;
      });
  }

  private async finishSnapshot(index: number, confState: ConfState, data: Promise<Uint8Array> | Uint8Array): Promise<void> {
    const bytes = await data;
    // Stopping closes the storage; a snapshot received from the leader meanwhile may have gone further.
    if (this.stopped || index <= this.snapshotIndex) return;
    try {
      await this.storage.createSnapshot(index, confState, bytes);
    } catch (e) {
      if (!(e instanceof RaftError)) throw e;
      this.logger.info(`raft node ${this.id}: snapshot at ${index} skipped: ${e.message}`);
      return;
    }
    this.snapshotIndex = Math.max(this.snapshotIndex, index);
    const compactTo = index - this.catchUpEntries;
    if (!this.stopped && compactTo >= this.storage.firstIndex()) await this.storage.compact(compactTo);
    this.logger.info(`raft node ${this.id}: snapshot at ${index}, log compacted to ${Math.max(compactTo, 0)}`);
  }

  private onSoftState(s: SoftState): void {
    const leaderChanged = s.lead !== this.soft.lead;
    this.soft = s;
    if (!leaderChanged) return;
    this.logger.info(`raft node ${this.id}: leader is ${s.lead} in term ${this.term}`);
    this.reads.onLeaderChange();
    for (const w of this.transfers.filter((t) => t.to === s.lead)) {
      w.cancel();
      w.resolve();
    }
    this.transfers = this.transfers.filter((t) => t.to !== s.lead);
    for (const h of this.leaderHandlers) h(s.lead, this.term);
  }

  // ---- failure ----

  /** Runs a core call; anything but a RaftError is a bug in the core: the node stops. */
  private guard(f: () => void): void {
    try {
      f();
    } catch (e) {
      if (e instanceof RaftError) {
        this.logger.debug(`raft node ${this.id}: ${e.message}`);
        return;
      }
      this.fail(e);
    }
  }

  private fail(e: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = e;
    this.logger.warn(`raft node ${this.id}: FAILED, stopping: ${e instanceof Error ? e.stack : String(e)}`);
    this.stopped = true;
    this.cancelTick();
    this.failWaiters(errStopped(e));
    for (const h of this.fatalHandlers) h(e);
  }

  private failWaiters(e: unknown): void {
    for (const p of this.proposals.splice(0)) p.reject(e);
    for (const w of this.transfers.splice(0)) {
      w.cancel();
      w.reject(e);
    }
    this.reads.failAll(e);
  }
}

/** A snapshot message whose state is to be filled in when sending (the application keeps its own state). */
function isStatelessSnapshot(m: Message): boolean {
  return m.type === MessageType.Snap && m.snapshot !== undefined && m.snapshot.data.length === 0;
}
