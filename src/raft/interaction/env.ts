// The world an interaction script drives: nodes (RawNode over MemoryStorage), a network that holds every sent
// message until a command delivers or drops it, a set of cut links, and the output of the current command.
//
// The harness is the driver of every node: it handles a Ready exactly as the contract in types.ts says (send
// `messages`; persist snapshot, entries and hard state; send `messagesAfterPersist`; apply; advance). Writes are
// synchronous, so everything a node handed out in a Ready is durable once `process-ready` returns; `restart`
// therefore loses only volatile state (role, progress, votes received, pending reads, unapplied state).
import { assert } from '../assert.ts';
import {
  EntryType,
  RaftError,
  RawNode,
  StateType,
  type Config,
  type ConfState,
  type Entry,
  type Message,
  type NodeId,
  type RaftLogger,
  type Ready,
  type Rng,
} from '../index.ts';
import { MemoryStorage, cloneConfState } from '../storage/index.ts';
import { decodeConfChangeData } from './conf-change.ts';
import { ScriptUsageError } from './script.ts';
import {
  fmtConfChange,
  fmtConfState,
  fmtEntry,
  fmtHardState,
  fmtMessage,
  fmtReadState,
  fmtSnapshot,
  fmtSoftState,
} from './format.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'none';
const LEVEL_RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, none: 3 };

/**
 * Election timeouts are randomized in [electionTick, 2*electionTick); a script wants `tick-election` to fire
 * exactly, so the harness's Rng always draws the low end. Scripts choose who campaigns, not the dice.
 */
export const lowestRng: Rng = { int: () => 0, float: () => 0 };

export interface NodeOptions {
  electionTick: number;
  heartbeatTick: number;
  preVote: boolean;
  checkQuorum: boolean;
  extra: Partial<Config>;
}

export interface InteractionNode {
  id: NodeId;
  storage: MemoryStorage;
  raw: RawNode;
  options: NodeOptions;
  /** Index of the last entry this node's application applied. */
  applied: number;
  /** Membership after each applied configuration change (and the boot/snapshot one), ascending by index. */
  confHistory: { index: number; confState: ConfState }[];
}

/** Message delivery bound for one stabilize: a script that never quiesces is a bug, not a long test. */
const STABILIZE_ROUNDS_MAX = 200;

export class InteractionEnv {
  readonly nodes = new Map<NodeId, InteractionNode>();
  /** Sent and not yet delivered or dropped, in send order. */
  network: Message[] = [];
  private readonly cutLinks = new Set<string>();
  private out: string[] = [];
  logLevel: LogLevel = 'none';
  /**
   * Safety checked on every Ready, whatever the golden file says (a script's nodes form one cluster): State
   * Machine Safety (no two nodes apply different entries at one index), Election Safety (at most one leader per
   * term), Log Matching (on durable logs) and Leader Completeness (a new leader holds every applied entry).
   */
  private readonly appliedAt = new Map<number, { node: NodeId; entry: string }>();
  private readonly leaderOf = new Map<number, NodeId>();

  // ---- output ----

  print(line: string): void {
    assert(line.trim() !== '', 'interaction output lines must not be blank (a blank line ends a golden block)');
    this.out.push(line);
  }

  takeOutput(): string[] {
    const lines = this.out;
    this.out = [];
    return lines;
  }

  loggerFor(): RaftLogger {
    const at = (level: LogLevel) => (msg: string) => {
      if (LEVEL_RANK[level] >= LEVEL_RANK[this.logLevel]) this.print(`  ${level.toUpperCase()} ${msg}`);
    };
    return { debug: at('debug'), info: at('info'), warn: at('warn') };
  }

  // ---- nodes ----

  ids(): NodeId[] {
    return [...this.nodes.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  node(id: NodeId): InteractionNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new ScriptUsageError(`no node ${id}`);
    return n;
  }

  addNode(id: NodeId, storage: MemoryStorage, options: NodeOptions): InteractionNode {
    assert(!this.nodes.has(id), () => `node ${id} exists`);
    const snap = storage.snapshot();
    const node: InteractionNode = {
      id,
      storage,
      options,
      raw: this.newRawNode(id, storage, options, snap.metadata.index),
      applied: snap.metadata.index,
      confHistory: [{ index: snap.metadata.index, confState: cloneConfState(snap.metadata.confState) }],
    };
    this.nodes.set(id, node);
    return node;
  }

  /** Crash and restart: only what the storage holds survives; the application restarts from the snapshot. */
  restart(id: NodeId): void {
    const n = this.node(id);
    const snap = n.storage.snapshot();
    n.applied = snap.metadata.index;
    n.confHistory = [{ index: snap.metadata.index, confState: cloneConfState(snap.metadata.confState) }];
    n.raw = this.newRawNode(id, n.storage, n.options, n.applied);
  }

  private newRawNode(id: NodeId, storage: MemoryStorage, o: NodeOptions, applied: number): RawNode {
    return new RawNode({
      id,
      storage,
      applied,
      electionTick: o.electionTick,
      heartbeatTick: o.heartbeatTick,
      preVote: o.preVote,
      checkQuorum: o.checkQuorum,
      rng: lowestRng,
      logger: this.loggerFor(),
      ...o.extra,
    });
  }

  /** The membership this node's application had at `index` (for snapshots it takes). */
  confStateAt(n: InteractionNode, index: number): ConfState {
    let cs = n.confHistory[0].confState;
    for (const h of n.confHistory) if (h.index <= index) cs = h.confState;
    return cs;
  }

  // ---- network ----

  private linkKey(from: NodeId, to: NodeId): string {
    return `${from}->${to}`;
  }

  cut(from: NodeId, to: NodeId): void {
    this.cutLinks.add(this.linkKey(from, to));
  }

  heal(): void {
    this.cutLinks.clear();
  }

  isCut(from: NodeId, to: NodeId): boolean {
    return this.cutLinks.has(this.linkKey(from, to));
  }

  cutLinkList(): string[] {
    return [...this.cutLinks].sort();
  }

  send(msgs: readonly Message[]): void {
    for (const m of msgs) this.network.push(m);
  }

  // ---- the driver ----

  /** Handles one Ready of node `id`, printing it; returns false (printing nothing) when there is none. */
  processReady(id: NodeId): boolean {
    const n = this.node(id);
    if (!n.raw.hasReady()) return false;
    const rd = n.raw.ready();
    this.print(`node ${id} ready:`);
    this.printReady(rd);
    this.checkElectionSafety(n, rd);
    this.send(rd.messages);
    n.storage.saveSync({ hardState: rd.hardState, entries: rd.entries, snapshot: rd.snapshot });
    this.checkLogMatching(n);
    if (rd.softState?.raftState === StateType.Leader) this.checkLeaderCompleteness(n);
    if (rd.snapshot !== undefined && rd.snapshot.metadata.index > 0) {
      n.applied = rd.snapshot.metadata.index;
      n.confHistory.push({ index: n.applied, confState: cloneConfState(rd.snapshot.metadata.confState) });
    }
    this.send(rd.messagesAfterPersist);
    this.apply(n, rd);
    n.raw.advance();
    return true;
  }

  /**
   * Takes a Ready and sends its early `messages` (those the contract lets go before the write), then crashes
   * before the write: the Ready's entries, hard state and snapshot are lost, and the node restarts from storage.
   */
  crashBeforePersist(id: NodeId): boolean {
    const n = this.node(id);
    if (!n.raw.hasReady()) return false;
    const rd = n.raw.ready();
    this.print(`node ${id} ready:`);
    this.printReady(rd);
    this.send(rd.messages);
    this.restart(id);
    return true;
  }

  private printReady(rd: Ready): void {
    if (rd.softState !== undefined) this.print(`  ${fmtSoftState(rd.softState)}`);
    if (rd.hardState !== undefined) this.print(`  HardState ${fmtHardState(rd.hardState)}`);
    if (rd.snapshot !== undefined) this.print(`  Snapshot ${fmtSnapshot(rd.snapshot)}`);
    this.printList('Persist', rd.entries.map(fmtEntry));
    this.printList('Send', rd.messages.map(fmtMessage));
    this.printList('SendAfterPersist', rd.messagesAfterPersist.map(fmtMessage));
    this.printList('Apply', rd.committedEntries.map(fmtEntry));
    this.printList('ReadStates', rd.readStates.map(fmtReadState));
  }

  private printList(title: string, lines: string[]): void {
    if (lines.length === 0) return;
    this.print(`  ${title}:`);
    for (const l of lines) this.print(`    ${l}`);
  }

  private apply(n: InteractionNode, rd: Ready): void {
    for (const e of rd.committedEntries) {
      assert(e.index === n.applied + 1, () => `node ${n.id} applies ${e.index} after ${n.applied}: gap or repeat`);
      n.applied = e.index;
      this.checkStateMachineSafety(n.id, e);
      if (e.type !== EntryType.ConfChange) continue;
      const cc = decodeConfChangeData(e.data);
      const cs = n.raw.applyConfChange(cc);
      n.confHistory.push({ index: e.index, confState: cloneConfState(cs) });
      this.print(`  Applied ${fmtConfChange(cc)} at ${e.index}: ${fmtConfState(cs)}`);
    }
  }

  private checkStateMachineSafety(id: NodeId, e: Entry): void {
    const entry = fmtEntry(e);
    const earlier = this.appliedAt.get(e.index);
    if (earlier === undefined) {
      this.appliedAt.set(e.index, { node: id, entry });
      return;
    }
    if (earlier.entry !== entry) {
      throw new SafetyViolation(`node ${id} applied ${entry} at index ${e.index}; node ${earlier.node} applied ${earlier.entry}`);
    }
  }

  /** Log Matching: two logs holding an entry of the same index and term agree on every entry up to it. */
  private checkLogMatching(n: InteractionNode): void {
    for (const other of this.nodes.values()) {
      if (other === n) continue;
      const lo = Math.max(n.storage.firstIndex(), other.storage.firstIndex());
      const hi = Math.min(n.storage.lastIndex(), other.storage.lastIndex());
      let matched = false;
      for (let i = hi; i >= lo; i--) {
        const a = n.storage.entries(i, i + 1, Infinity)[0];
        const b = other.storage.entries(i, i + 1, Infinity)[0];
        if (a.term === b.term) matched = true;
        if (matched && fmtEntry(a) !== fmtEntry(b)) {
          throw new SafetyViolation(`log matching: node ${n.id} has ${fmtEntry(a)}, node ${other.id} has ${fmtEntry(b)}`);
        }
      }
    }
  }

  /** Leader Completeness: a new leader's log holds every entry any node applied (that it has not compacted). */
  private checkLeaderCompleteness(n: InteractionNode): void {
    for (const [index, applied] of this.appliedAt) {
      if (index < n.storage.firstIndex()) continue;
      const mine = index <= n.storage.lastIndex() ? fmtEntry(n.storage.entries(index, index + 1, Infinity)[0]) : 'nothing';
      if (mine !== applied.entry) {
        throw new SafetyViolation(`new leader ${n.id} has ${mine} at ${index}; node ${applied.node} applied ${applied.entry}`);
      }
    }
  }

  private checkElectionSafety(n: InteractionNode, rd: Ready): void {
    if (rd.softState?.raftState !== StateType.Leader) return;
    const term = n.raw.basicStatus().hardState.term;
    const other = this.leaderOf.get(term);
    if (other !== undefined && other !== n.id) {
      throw new SafetyViolation(`node ${n.id} became leader in term ${term}, where node ${other} already led`);
    }
    this.leaderOf.set(term, n.id);
  }

  /**
   * Delivers (or drops) every pending message to `to` that `filter` selects, printing each. `reverse` delivers
   * them newest first (reordering); `duplicate` leaves a copy of each in the network, to arrive again later.
   */
  deliver(
    to: NodeId,
    drop: boolean,
    filter: (m: Message) => boolean = () => true,
    how: { reverse?: boolean; duplicate?: boolean } = {},
  ): number {
    const mine = this.network.filter((m) => m.to === to && filter(m));
    if (mine.length === 0) return 0;
    this.network = this.network.filter((m) => !(m.to === to && filter(m)));
    if (how.reverse === true) mine.reverse();
    if (how.duplicate === true) this.network.push(...mine);
    const n = drop ? undefined : this.node(to);
    this.print(drop ? `node ${to} loses:` : `node ${to} receives:`);
    for (const m of mine) {
      if (n === undefined) {
        this.print(`  ${fmtMessage(m)} (dropped)`);
      } else if (this.isCut(m.from, m.to)) {
        this.print(`  ${fmtMessage(m)} (dropped: partition)`);
      } else {
        this.print(`  ${fmtMessage(m)}`);
        this.stepPrintingErrors(n, m);
      }
    }
    return mine.length;
  }

  private stepPrintingErrors(n: InteractionNode, m: Message): void {
    try {
      n.raw.step(m);
    } catch (err) {
      if (!(err instanceof RaftError)) throw err;
      this.print(`    error: ${err.code}: ${err.message}`);
    }
  }

  /**
   * Handles the Readies of `ids` (all nodes when empty) and delivers what is addressed to them until nothing
   * moves; false if nothing moved at all.
   */
  stabilize(ids: readonly NodeId[]): boolean {
    const scope = ids.length > 0 ? ids : this.ids();
    let movedEver = false;
    for (let round = 0; round < STABILIZE_ROUNDS_MAX; round++) {
      let moved = false;
      for (const id of scope) moved = this.processReady(id) || moved;
      for (const id of scope) moved = this.deliver(id, false) > 0 || moved;
      if (!moved) return movedEver;
      movedEver = true;
    }
    throw new Error(`stabilize did not quiesce within ${STABILIZE_ROUNDS_MAX} rounds`);
  }
}

/** A Raft safety property broke: always a core bug, never a script's. */
export class SafetyViolation extends Error {
  constructor(what: string) {
    super(what);
    this.name = 'SafetyViolation';
  }
}
