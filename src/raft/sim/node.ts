// The driver of one simulated node: it owns a RawNode, the node's in-memory log (a MemoryStorage), its SimDisk and
// its application, and handles every Ready exactly as the contract in types.ts says:
//
//   1. send `messages` at once (a leader replicates while its own write is in flight);
//   2. write snapshot, entries and hard state to the disk and wait for the simulated fsync (if mustSync);
//   3. then send `messagesAfterPersist`, apply `committedEntries`, and call advance().
//
// While a write is in flight the node still ticks and steps messages; it takes the next Ready only after advance.
// A crash drops the RawNode and everything volatile; restart rebuilds both from what the disk made durable.
import { assert } from '../assert.ts';
import { decodeConfChange } from '../confchange-codec.ts';
import type { Config, RaftLogger, UnsafeTestingOptions } from '../config.ts';
import { RaftError } from '../errors.ts';
import { RawNode } from '../raw-node.ts';
import type { Rng } from '../rng.ts';
import type { MemoryStorage } from '../storage/index.ts';
import { cloneConfState } from '../storage/index.ts';
import {
  EntryType,
  ReadOnlyOption,
  StateType,
  emptyConfState,
  type ConfState,
  type Entry,
  type Message,
  type NodeId,
  type Ready,
} from '../types.ts';
import { AppState, decodeProposal } from './app.ts';
import type { Checkers, LogView } from './checkers.ts';
import type { SimDisk } from './disk.ts';

/** What a node needs from the simulator around it. */
export interface NodeHost {
  readonly checkers: Checkers;
  trace(text: string): void;
  send(m: Message): void;
  /** Completes the disk write `writeId` of incarnation `incarnation` after `delayMs`. */
  scheduleFsync(node: SimNode, incarnation: number, writeId: number, delayMs: number): void;
  fsyncDelayMs(): number;
  onProposalApplied(node: SimNode, proposalId: number): void;
  /** This node just became leader, or advanced its commit index as leader: a moment for targeted faults. */
  onLeaderMoment(node: SimNode, what: 'elected' | 'committed'): void;
  /** A linearizable read this node requested can be served now: its application reached the read index. */
  onReadServed(node: SimNode, readId: number): void;
}

export interface RaftTuning {
  electionTick: number;
  heartbeatTick: number;
  preVote: boolean;
  checkQuorum: boolean;
  maxSizePerMsg: number;
  maxInflightMsgs: number;
  /** Bytes of uncommitted proposals a leader accepts before dropping more (0 = no limit). */
  maxUncommittedEntriesSize: number;
  readOnlyOption: ReadOnlyOption;
  unsafe: UnsafeTestingOptions;
}

export interface SnapshotPolicy {
  /** Take an application snapshot after this many applied entries since the last one. */
  everyEntries: number;
  /** Entries kept before the snapshot index when compacting, so slightly slow followers avoid a snapshot. */
  keepEntries: number;
}

export class SimNode {
  raw: RawNode | undefined;
  storage!: MemoryStorage;
  app = new AppState();
  confState: ConfState = emptyConfState();
  /** Bumped by every crash: events of an older incarnation (fsyncs, restarts) are void. */
  incarnation = 0;
  /** Applied its own removal: stopped for good (etcd shuts a removed member down). */
  removed = false;
  /** Volatile view of the core, tracked from Ready. */
  term = 0;
  commit = 0;
  raftState: StateType = StateType.Follower;
  lead: NodeId = 0n;
  private inFlight: Ready | undefined;
  /** Read requests answered by the core, waiting for the application to reach their index. */
  private pendingReads: { readId: number; index: number }[] = [];
  private lastSnapshotIndex = 0;
  crashes = 0;

  constructor(
    readonly id: NodeId,
    readonly disk: SimDisk,
    private readonly host: NodeHost,
    private readonly tuning: RaftTuning,
    private readonly snapshots: SnapshotPolicy,
    private readonly rng: Rng,
  ) {}

  get up(): boolean {
    return this.raw !== undefined;
  }

  get busy(): boolean {
    return this.inFlight !== undefined;
  }

  isMember(): boolean {
    const cs = this.confState;
    return [cs.voters, cs.learners, cs.votersOutgoing, cs.learnersNext].some((ids) => ids.includes(this.id));
  }

  /** (Re)starts from the durable image: in-memory log, application and RawNode. */
  start(): void {
    assert(!this.up && !this.removed, 'start a stopped node');
    this.storage = this.disk.recover();
    const snap = this.storage.snapshot();
    this.app = AppState.decode(snap.data, snap.metadata.index);
    this.confState = cloneConfState(snap.metadata.confState);
    this.lastSnapshotIndex = snap.metadata.index;
    const hs = this.storage.initialState().hardState;
    this.term = hs.term;
    this.commit = hs.commit;
    this.raftState = StateType.Follower;
    this.lead = 0n;
    this.host.checkers.checkRecovered(this.id, hs.commit, snap.metadata.index, this.logView());
    if (snap.metadata.index > 0) this.host.checkers.onApplied(this.id, snap.metadata.index, this.app.digest);
    const config: Config = {
      id: this.id,
      storage: this.storage,
      applied: snap.metadata.index,
      electionTick: this.tuning.electionTick,
      heartbeatTick: this.tuning.heartbeatTick,
      preVote: this.tuning.preVote,
      checkQuorum: this.tuning.checkQuorum,
      maxSizePerMsg: this.tuning.maxSizePerMsg,
      maxInflightMsgs: this.tuning.maxInflightMsgs,
      readOnlyOption: this.tuning.readOnlyOption,
      maxUncommittedEntriesSize: this.tuning.maxUncommittedEntriesSize,
      rng: this.rng,
      logger: this.logger(),
      unsafe: this.tuning.unsafe,
    };
    this.raw = this.guard(() => new RawNode(config));
    this.host.trace(`n${this.id} start term=${hs.term} commit=${hs.commit} snap=${snap.metadata.index} last=${this.storage.lastIndex()}`);
  }

  /** Power loss: all volatile state is gone, and so is every unsynced write after the first `survivors`. */
  crash(survivors: number): void {
    assert(this.up, 'crash a running node');
    const unsynced = this.disk.unsyncedCount;
    this.disk.crash(survivors);
    this.raw = undefined;
    this.inFlight = undefined;
    this.pendingReads = [];
    this.incarnation++;
    this.crashes++;
    this.raftState = StateType.Follower;
    this.host.trace(`n${this.id} CRASH unsynced=${unsynced} survived=${Math.min(survivors, unsynced)}`);
  }

  tick(): void {
    const raw = this.raw;
    if (raw === undefined || this.removed) return;
    this.guard(() => raw.tick());
    this.process();
  }

  step(m: Message): void {
    const raw = this.raw;
    if (raw === undefined || this.removed) return;
    try {
      raw.step(m);
    } catch (e) {
      if (!(e instanceof RaftError)) this.coreFailure(e);
      else this.host.trace(`n${this.id} step ${m.type} from ${m.from} refused: ${e.code}`);
    }
    this.process();
  }

  /** Runs `f` against the core; a throw that is not a RaftError is a core bug, recorded as a violation. */
  guard<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof RaftError) throw e;
      this.coreFailure(e);
      throw e;
    }
  }

  private coreFailure(e: unknown): void {
    const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    this.host.checkers.fail('core-assertion', `node ${this.id}: ${text}`);
    this.host.trace(`n${this.id} CORE THREW ${text}`);
  }

  /** Handles Readies until the node waits for its disk or has nothing to do. */
  process(): void {
    for (;;) {
      const raw = this.raw;
      if (raw === undefined || this.removed || this.inFlight !== undefined || !this.host.checkers.ok) return;
      if (!raw.hasReady()) return;
      const rd = this.guard(() => raw.ready());
      this.handleReady(rd);
    }
  }

  private handleReady(rd: Ready): void {
    if (rd.hardState !== undefined) {
      this.term = rd.hardState.term;
      this.commit = rd.hardState.commit;
    }
    if (rd.softState !== undefined) {
      const was = this.raftState;
      this.raftState = rd.softState.raftState;
      this.lead = rd.softState.lead;
      if (was !== this.raftState) this.host.trace(`n${this.id} becomes ${this.raftState} term=${this.term}`);
      if (this.raftState === StateType.Leader) {
        this.host.checkers.onLeader(this.id, this.term);
        this.host.onLeaderMoment(this, 'elected');
      }
    } else if (rd.hardState !== undefined && this.raftState === StateType.Leader && rd.committedEntries.length > 0) {
      this.host.onLeaderMoment(this, 'committed');
    }
    for (const rs of rd.readStates) this.pendingReads.push({ readId: decodeReadContext(rs.requestCtx), index: rs.index });
    for (const m of rd.messages) this.host.send(m);
    const writes = rd.snapshot !== undefined || rd.entries.length > 0 || rd.hardState !== undefined;
    if (!writes) {
      this.finishReady(rd);
      return;
    }
    const writeId = this.disk.write({ hardState: rd.hardState, entries: rd.entries, snapshot: rd.snapshot });
    // The in-memory log follows the write at once: the core reads only what it handed over, and a crash
    // rebuilds this log from the disk anyway.
    this.storage.saveSync({ hardState: rd.hardState, entries: rd.entries, snapshot: rd.snapshot });
    this.checkPersisted(rd.entries);
    if (!rd.mustSync) {
      this.finishReady(rd);
      return;
    }
    this.inFlight = rd;
    this.host.scheduleFsync(this, this.incarnation, writeId, this.host.fsyncDelayMs());
  }

  /** The fsync for `writeId` completed. */
  onFsync(incarnation: number, writeId: number): void {
    if (incarnation !== this.incarnation || this.inFlight === undefined) return;
    this.disk.syncThrough(writeId);
    const rd = this.inFlight;
    this.inFlight = undefined;
    this.finishReady(rd);
    this.process();
  }

  private finishReady(rd: Ready): void {
    const raw = this.raw!;
    if (rd.snapshot !== undefined) this.installSnapshot(rd);
    if (rd.softState?.raftState === StateType.Leader) {
      this.host.checkers.checkLeaderCompleteness(this.id, this.term, this.logView());
    }
    for (const m of rd.messagesAfterPersist) this.host.send(m);
    let removedSelf = false;
    let confChanged = false;
    for (const e of rd.committedEntries) {
      if (!this.host.checkers.ok) return;
      removedSelf = this.apply(e) || removedSelf;
      confChanged = confChanged || e.type === EntryType.ConfChange;
    }
    this.guard(() => raw.advance());
    if (removedSelf) {
      this.removed = true;
      this.host.trace(`n${this.id} removed from the cluster: stops`);
      return;
    }
    this.maybeSnapshot(confChanged);
    this.serveReads();
  }

  private serveReads(): void {
    if (this.pendingReads.length === 0) return;
    const waiting: { readId: number; index: number }[] = [];
    for (const r of this.pendingReads) {
      if (r.index <= this.app.appliedIndex) this.host.onReadServed(this, r.readId);
      else waiting.push(r);
    }
    this.pendingReads = waiting;
  }

  private installSnapshot(rd: Ready): void {
    const snap = rd.snapshot!;
    const index = snap.metadata.index;
    const committedTerm = this.host.checkers.committedTermAt(index);
    if (committedTerm !== undefined && committedTerm !== snap.metadata.term) {
      this.host.checkers.fail('state-machine-safety', `node ${this.id} installs snapshot ${index}/${snap.metadata.term}, but ${index}/${committedTerm} was committed`);
    }
    this.app = AppState.decode(snap.data, index);
    this.confState = cloneConfState(snap.metadata.confState);
    this.lastSnapshotIndex = index;
    this.host.checkers.onApplied(this.id, index, this.app.digest);
    this.host.trace(`n${this.id} installs snapshot ${index}/${snap.metadata.term} ids=${this.app.ids.length}`);
  }

  /** Applies one committed entry; returns whether it removed this node. */
  private apply(e: Entry): boolean {
    const checkers = this.host.checkers;
    if (e.index !== this.app.appliedIndex + 1) {
      checkers.fail('core-assertion', `node ${this.id} handed committed entry ${e.index} after applying ${this.app.appliedIndex}`);
      return false;
    }
    checkers.onCommitted(this.id, e, this.term);
    let removedSelf = false;
    if (e.type === EntryType.Normal) {
      const id = decodeProposal(e.data);
      if (id !== undefined && this.app.applyProposal(id)) this.host.onProposalApplied(this, id);
    } else {
      const cc = decodeConfChange(e.data);
      const raw = this.raw!;
      const wasMember = this.isMember();
      try {
        this.confState = this.guard(() => raw.applyConfChange(cc));
      } catch (err) {
        // Refused identically by every node: the entry is a no-op.
        if (!(err instanceof RaftError)) throw err;
        this.host.trace(`n${this.id} conf change ${e.index} refused: ${err.message}`);
      }
      // Removed directly, or by leaving a joint configuration whose incoming side no longer names this node.
      removedSelf = wasMember && !this.isMember();
      this.host.trace(`n${this.id} applies conf ${e.index} -> ${fmtConf(this.confState)}`);
    }
    this.app.appliedIndex = e.index;
    checkers.onApplied(this.id, e.index, this.app.digest);
    return removedSelf;
  }

  /**
   * Snapshots every `everyEntries` applied entries, and after every membership change: a node added later may
   * need a snapshot to catch up, and one taken before it joined does not name it (it would refuse it).
   */
  private maybeSnapshot(confChanged: boolean): void {
    const applied = this.app.appliedIndex;
    if (applied <= this.lastSnapshotIndex) return;
    if (!confChanged && applied - this.lastSnapshotIndex < this.snapshots.everyEntries) return;
    const compactIndex = applied - this.snapshots.keepEntries;
    const snap = this.disk.snapshotAndCompact(applied, this.confState, this.app.encode(), compactIndex);
    if (snap === undefined) return;
    this.storage.createSnapshotSync(applied, this.confState, snap.data);
    if (compactIndex >= this.storage.firstIndex()) this.storage.compactSync(compactIndex);
    this.lastSnapshotIndex = applied;
    this.host.trace(`n${this.id} snapshot at ${applied}, compacted through ${compactIndex}`);
  }

  private checkPersisted(entries: readonly Entry[]): void {
    for (const e of entries) {
      Object.freeze(e);
      let prevTerm: number;
      try {
        prevTerm = this.storage.term(e.index - 1);
      } catch {
        continue;
      }
      this.host.checkers.onPersisted(this.id, e, prevTerm);
    }
  }

  logView(): LogView {
    const storage = this.storage;
    return {
      firstIndex: storage.firstIndex(),
      lastIndex: storage.lastIndex(),
      term: (i: number) => {
        try {
          return storage.term(i);
        } catch {
          return undefined;
        }
      },
    };
  }

  private logger(): RaftLogger {
    const trace = (msg: string) => this.host.trace(`n${this.id} raft: ${msg}`);
    return { debug() {}, info: trace, warn: trace };
  }
}

export function fmtConf(cs: ConfState): string {
  const ids = (xs: NodeId[]) => xs.map(String).join(',');
  let s = `voters=(${ids(cs.voters)})`;
  if (cs.votersOutgoing.length > 0) s += `&&(${ids(cs.votersOutgoing)})`;
  if (cs.learners.length > 0) s += ` learners=(${ids(cs.learners)})`;
  if (cs.learnersNext.length > 0) s += ` learnersNext=(${ids(cs.learnersNext)})`;
  return s;
}

export function encodeReadContext(readId: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, readId);
  return b;
}

function decodeReadContext(ctx: Uint8Array): number {
  assert(ctx.length === 4, 'read context is 4 bytes');
  return new DataView(ctx.buffer, ctx.byteOffset, 4).getUint32(0);
}
