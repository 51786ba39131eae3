// A tiny in-process cluster for the core's unit tests: every node has a MemoryStorage, Ready batches are
// handled synchronously, and messages wait in a queue until the test delivers them (or drops them).
import { bootstrapSnapshot } from '../bootstrap.ts';
import { decodeConfChange } from '../confchange-codec.ts';
import type { Config } from '../config.ts';
import { RaftError } from '../errors.ts';
import { RawNode } from '../raw-node.ts';
import { SeededRng } from '../rng.ts';
import { MemoryStorage } from '../storage/memory-storage.ts';
import { EntryType, MessageType, type ConfState, type Entry, type Message, type NodeId, type ReadState } from '../types.ts';

export interface TestNode {
  id: NodeId;
  node: RawNode;
  storage: MemoryStorage;
  /** Normal entries applied, in order (empty leader entries included). */
  applied: Entry[];
  readStates: ReadState[];
  confState: ConfState;
  /** Errors thrown by step() for delivered messages. */
  stepErrors: RaftError[];
}

export type ConfigOverrides = Partial<Omit<Config, 'id' | 'storage' | 'rng'>>;

/** The application state the harness snapshots: the applied entries themselves. */
export function encodeApplied(applied: Entry[]): Uint8Array {
  return enc(JSON.stringify(applied.map((e) => [e.index, e.term, dec(e.data)])));
}

export function decodeApplied(data: Uint8Array): Entry[] {
  if (data.length === 0) return [];
  let rows: [number, number, string][];
  try {
    rows = JSON.parse(dec(data)) as [number, number, string][];
  } catch {
    return []; // forged snapshot data (fuzz tests)
  }
  return rows.map(([index, term, d]) => ({ index, term, type: EntryType.Normal, data: enc(d) }));
}

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
export const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

export class TestCluster {
  readonly nodes = new Map<NodeId, TestNode>();
  /** Messages sent and not yet delivered. */
  queue: Message[] = [];
  /** Every message ever sent, for assertions. */
  sent: Message[] = [];
  private readonly cut = new Set<string>();
  /** Take an application snapshot after applying each conf change. */
  snapshotOnConfChange = true;
  private seed = 1;

  constructor(
    voters: NodeId[],
    readonly overrides: ConfigOverrides = {},
    learners: NodeId[] = [],
  ) {
    for (const id of [...voters, ...learners]) {
      const storage = new MemoryStorage();
      storage.applySnapshot(bootstrapSnapshot(voters, learners));
      this.addNode(id, storage);
    }
  }

  addNode(id: NodeId, storage = new MemoryStorage(), overrides: ConfigOverrides = {}): TestNode {
    const node = new RawNode({
      id,
      storage,
      electionTick: 10,
      heartbeatTick: 1,
      rng: new SeededRng(this.seed++),
      ...this.overrides,
      ...overrides,
    });
    const t: TestNode = {
      id,
      node,
      storage,
      applied: [],
      readStates: [],
      confState: storage.initialState().confState,
      stepErrors: [],
    };
    this.nodes.set(id, t);
    return t;
  }

  get(id: NodeId): TestNode {
    const t = this.nodes.get(id);
    if (!t) throw new Error(`no node ${id}`);
    return t;
  }

  /** Handles every pending Ready of node id; returns whether there was any. */
  processReady(id: NodeId): boolean {
    const t = this.get(id);
    let any = false;
    while (t.node.hasReady()) {
      any = true;
      const rd = t.node.ready();
      this.post(rd.messages);
      t.storage.saveSync({ snapshot: rd.snapshot, entries: rd.entries, hardState: rd.hardState });
      this.post(rd.messagesAfterPersist);
      if (rd.snapshot) {
        t.confState = rd.snapshot.metadata.confState;
        t.applied = decodeApplied(rd.snapshot.data);
      }
      for (const e of rd.committedEntries) {
        if (e.type === EntryType.ConfChange) {
          try {
            t.confState = t.node.applyConfChange(decodeConfChange(e.data));
          } catch (err) {
            if (!(err instanceof RaftError)) throw err;
          }
          // As etcd's test environment does: snapshot after every conf change, so that a node added by it gets
          // a snapshot that includes it.
          if (this.snapshotOnConfChange) t.storage.createSnapshotSync(e.index, t.confState, encodeApplied(t.applied));
        } else {
          t.applied.push(e);
        }
      }
      t.readStates.push(...rd.readStates);
      t.node.advance();
    }
    return any;
  }

  private post(ms: Message[]): void {
    for (const m of ms) {
      this.sent.push(m);
      this.queue.push(m);
    }
  }

  /** Delivers the queued messages (one pass); returns how many were delivered. */
  deliver(filter: (m: Message) => boolean = () => true): number {
    const batch = this.queue;
    this.queue = [];
    let n = 0;
    for (const m of batch) {
      if (!filter(m)) {
        this.queue.push(m);
        continue;
      }
      if (this.cut.has(`${m.from}->${m.to}`) || !this.nodes.has(m.to)) {
        this.reportSnapshotOutcome(m, false);
        continue;
      }
      n++;
      const t = this.get(m.to);
      try {
        t.node.step(m);
      } catch (err) {
        if (!(err instanceof RaftError)) throw err;
        t.stepErrors.push(err);
      }
      this.reportSnapshotOutcome(m, true);
    }
    return n;
  }

  /** A driver reports the outcome of every snapshot it sends, as a transport would. */
  reportSnapshotOutcome(m: Message, ok: boolean): void {
    if (m.type === MessageType.Snap && this.nodes.has(m.from)) this.get(m.from).node.reportSnapshot(m.to, ok);
  }

  /** Processes Readies and delivers messages until nothing moves. */
  stabilize(filter: (m: Message) => boolean = () => true, maxRounds = 200): void {
    for (let round = 0; round < maxRounds; round++) {
      let moved = false;
      for (const id of this.nodes.keys()) moved = this.processReady(id) || moved;
      moved = this.deliver(filter) > 0 || moved;
      if (!moved) return;
    }
    throw new Error('cluster did not stabilize');
  }

  /** Drops every message between a and b (both ways). */
  partition(a: NodeId, b: NodeId): void {
    this.cut.add(`${a}->${b}`);
    this.cut.add(`${b}->${a}`);
  }

  isolate(id: NodeId): void {
    for (const other of this.nodes.keys()) if (other !== id) this.partition(id, other);
  }

  cutOneWay(from: NodeId, to: NodeId): void {
    this.cut.add(`${from}->${to}`);
  }

  heal(): void {
    this.cut.clear();
  }

  tick(id: NodeId, n = 1): void {
    for (let i = 0; i < n; i++) this.get(id).node.tick();
  }

  tickAll(n = 1): void {
    for (let i = 0; i < n; i++) for (const t of this.nodes.values()) t.node.tick();
  }

  /** Campaigns on `id` and stabilizes; returns the resulting leader. */
  elect(id: NodeId): NodeId | undefined {
    this.get(id).node.campaign();
    this.stabilize();
    return this.leader();
  }

  /** The leader, if exactly one node believes itself leader at the highest term. */
  leader(): NodeId | undefined {
    let best: { id: NodeId; term: number } | undefined;
    for (const t of this.nodes.values()) {
      const s = t.node.basicStatus();
      if (s.softState.raftState === 'StateLeader' && (!best || s.hardState.term > best.term)) {
        best = { id: t.id, term: s.hardState.term };
      }
    }
    return best?.id;
  }

  propose(id: NodeId, data: string): void {
    this.get(id).node.propose(enc(data));
  }

  appliedData(id: NodeId): string[] {
    return this.get(id).applied.filter((e) => e.data.length > 0).map((e) => dec(e.data));
  }

  status(id: NodeId) {
    return this.get(id).node.status();
  }
}
