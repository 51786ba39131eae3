// Helpers for the node driver's tests: a small replicated application and a cluster on the in-memory hub.
import { bootstrapSnapshot } from '../bootstrap.ts';
import { SeededRng } from '../rng.ts';
import { MemoryStorage } from '../storage/index.ts';
import { EntryType, NONE, type Entry, type NodeId, type Snapshot } from '../types.ts';
import { ManualClock } from './clock.ts';
import { InMemoryHub } from './in-memory-transport.ts';
import { RaftNode, type RaftApplication, type RaftNodeOptions } from './raft-node.ts';
import type { Transport } from './transport.ts';

/** Keeps every applied proposal's text, in order: replicas agree iff their lists are equal. */
export class ListApp implements RaftApplication {
  values: string[] = [];
  appliedIndex = 0;
  applyCalls = 0;
  restores = 0;

  async apply(entries: readonly Entry[]): Promise<void> {
    this.applyCalls++;
    for (const e of entries) {
      if (e.index <= this.appliedIndex) throw new Error(`entry ${e.index} handed again after ${this.appliedIndex}`);
      if (this.appliedIndex > 0 && e.index !== this.appliedIndex + 1) throw new Error(`entry ${e.index} handed after ${this.appliedIndex}: a gap`);
      if (e.type === EntryType.Normal && e.data.length > 0) this.values.push(Buffer.from(e.data).toString());
      this.appliedIndex = e.index;
    }
  }

  /** While set, snapshots are taken at once but their bytes are handed over only when it resolves. */
  snapshotGate: Promise<void> | undefined;

  snapshot(index: number): Uint8Array | Promise<Uint8Array> {
    if (index !== this.appliedIndex) throw new Error(`snapshot at ${index}, applied ${this.appliedIndex}`);
    const bytes = Buffer.from(this.values.join('\n'));
    return this.snapshotGate === undefined ? bytes : this.snapshotGate.then(() => bytes);
  }

  async restore(s: Snapshot): Promise<number | void> {
    this.restores++;
    const text = Buffer.from(s.data).toString();
    this.values = text === '' ? [] : text.split('\n');
    this.appliedIndex = s.metadata.index;
  }
}

/**
 * A ListApp that keeps its state itself, as the store does: its snapshots carry no bytes, and a follower is sent
 * its state as of sending (index and values), which may be past the snapshot's index.
 */
export class DurableListApp extends ListApp {
  /** Highest index snapshot() was asked to make durable. */
  persistedIndex = 0;
  sentStates = 0;

  override snapshot(index: number): Uint8Array {
    if (index !== this.appliedIndex) throw new Error(`snapshot at ${index}, applied ${this.appliedIndex}`);
    this.persistedIndex = index;
    return new Uint8Array(0);
  }

  stateToSend(): Promise<Uint8Array> {
    this.sentStates++;
    return Promise.resolve(Buffer.from(JSON.stringify({ index: this.appliedIndex, values: this.values })));
  }

  override async restore(s: Snapshot): Promise<number> {
    this.restores++;
    const state = JSON.parse(Buffer.from(s.data).toString()) as { index: number; values: string[] };
    if (state.index < s.metadata.index) throw new Error(`state at ${state.index} sent for snapshot ${s.metadata.index}`);
    this.values = state.values;
    this.appliedIndex = state.index;
    return state.index;
  }
}

export interface Member {
  id: NodeId;
  node: RaftNode;
  app: ListApp;
  storage: MemoryStorage;
}

/** Nodes on one in-memory hub, driven by a manual clock: `until` moves time one tick at a time. */
export class MemCluster {
  readonly hub = new InMemoryHub();
  readonly clock = new ManualClock();
  readonly members = new Map<NodeId, Member>();
  readonly tickMs = 10;

  /** Initial voters: every id unless given; the others start with an empty log, to be added by conf change. */
  readonly voters: NodeId[];

  /** The application each new member runs. */
  newApp: () => ListApp = () => new ListApp();

  constructor(
    readonly ids: NodeId[],
    private readonly tuning: Partial<RaftNodeOptions> = {},
    voters?: NodeId[],
  ) {
    this.voters = voters ?? ids;
  }

  async startAll(): Promise<void> {
    for (const id of this.voters) await this.start(id);
  }

  /** Starts `id` fresh, or restarts it over the storage and application it had. */
  async start(id: NodeId): Promise<Member> {
    const old = this.members.get(id);
    let storage = old?.storage;
    if (storage === undefined) {
      storage = new MemoryStorage();
      if (this.voters.includes(id)) storage.applySnapshot(bootstrapSnapshot(this.voters));
    }
    const app = old?.app ?? this.newApp();
    const transport: Transport = this.hub.connect(id);
    for (const peer of this.ids) if (peer !== id) transport.addPeer(peer, `mem://${peer}`);
    const node = await RaftNode.start({
      id,
      storage,
      transport,
      app,
      appliedIndex: app.appliedIndex,
      clock: this.clock,
      heartbeatIntervalMs: this.tickMs,
      heartbeatTick: 1,
      electionTick: 10,
      rng: new SeededRng(Number(id) * 7919),
      ...this.tuning,
    });
    const m: Member = { id, node, app, storage };
    this.members.set(id, m);
    return m;
  }

  async stop(id: NodeId): Promise<void> {
    await this.member(id).node.stop();
  }

  member(id: NodeId): Member {
    const m = this.members.get(id);
    if (m === undefined) throw new Error(`no member ${id}`);
    return m;
  }

  isStopped(m: Member): boolean {
    return (m.node as unknown as { stopped: boolean }).stopped;
  }

  /** Moves time tick by tick, letting the event loop run, until `cond` holds. */
  async until(what: string, cond: () => boolean, ticksMax = 3_000): Promise<void> {
    for (let i = 0; i < ticksMax; i++) {
      if (cond()) return;
      for (let k = 0; k < 4; k++) await new Promise((r) => setImmediate(r));
      this.clock.advance(this.tickMs);
    }
    if (!cond()) throw new Error(`cluster: timed out waiting for ${what}`);
  }

  /** Drives the cluster until `p` settles. */
  async drive<T>(p: Promise<T>, what = 'a promise'): Promise<T> {
    let settled = false;
    const watched = p.finally(() => {
      settled = true;
    });
    watched.catch(() => {});
    await this.until(what, () => settled);
    return watched;
  }

  /**
   * Runs the event loop without moving the clock until `p` settles: nothing that waits for a timer (an election,
   * a retry) can happen meanwhile.
   */
  async driveWithoutTime<T>(p: Promise<T>, what = 'a promise', turnsMax = 20_000): Promise<T> {
    let settled = false;
    const watched = p.finally(() => {
      settled = true;
    });
    watched.catch(() => {});
    for (let i = 0; i < turnsMax && !settled; i++) await new Promise((r) => setImmediate(r));
    if (!settled) throw new Error(`cluster: ${what} did not settle without the clock moving`);
    return watched;
  }

  /** The leader every running member agrees on. */
  leader(): Member | undefined {
    const live = [...this.members.values()].filter((m) => !this.isStopped(m));
    const lead = live[0]?.node.leader ?? NONE;
    if (lead === NONE || !live.every((m) => m.node.leader === lead)) return undefined;
    return this.members.get(lead);
  }

  async electLeader(): Promise<Member> {
    await this.until('a leader', () => this.leader() !== undefined);
    return this.leader()!;
  }

  async stopAll(): Promise<void> {
    for (const m of this.members.values()) await m.node.stop();
  }
}
