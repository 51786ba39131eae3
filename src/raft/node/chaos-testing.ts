// A hostile world for RaftNode tests: a network that drops, duplicates, delays and reorders messages and cuts
// links; disks whose writes complete after a random number of event-loop turns; crashes and restarts; membership
// changes that remove the leader as often as a follower. Everything random comes from one seed, so a failing
// seed replays. The application checks what the store relies on: every committed index handed over exactly
// once, in order, with no gap, and the same entry at each index on every member.
//
// The simulator (src/raft/sim) checks the core with a driver of its own; this runs the driver the store uses.
import { bootstrapSnapshot } from '../bootstrap.ts';
import { decodeConfChange } from '../confchange-codec.ts';
import { SeededRng } from '../rng.ts';
import type { SaveRequest } from '../storage.ts';
import { MemoryStorage } from '../storage/index.ts';
import {
  ConfChangeTransition,
  ConfChangeType,
  EntryType,
  type ConfChangeV2,
  type Entry,
  type Message,
  type NodeId,
  type Snapshot,
} from '../types.ts';
import { ManualClock } from './clock.ts';
import { RaftNode, type RaftApplication } from './raft-node.ts';
import type { PeerReport, Transport } from './transport.ts';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Records the entry at each applied index; throws (failing the node) on a gap or a repeat. */
class CheckedApp implements RaftApplication {
  applied: number;
  byIndex = new Map<number, string>();
  onConfChange: (cc: ConfChangeV2) => void = () => {};

  constructor(
    readonly id: NodeId,
    private readonly rng: SeededRng,
    applied: number,
  ) {
    this.applied = applied;
  }

  async apply(entries: readonly Entry[]): Promise<void> {
    for (let i = this.rng.int(3); i > 0; i--) await turn();
    for (const e of entries) {
      if (e.index !== this.applied + 1) throw new Error(`n${this.id}: handed entry ${e.index} after applying ${this.applied}`);
      this.applied = e.index;
      if (e.type === EntryType.ConfChange) {
        const cc = decodeConfChange(e.data);
        this.byIndex.set(e.index, `cc ${cc.changes.map((c) => `${c.type}:${c.nodeId}`).join(',')}`);
        this.onConfChange(cc);
      } else {
        this.byIndex.set(e.index, Buffer.from(e.data).toString());
      }
    }
  }

  snapshot(index: number): Uint8Array {
    if (index !== this.applied) throw new Error(`n${this.id}: snapshot at ${index} with ${this.applied} applied`);
    return Buffer.from(JSON.stringify([...this.byIndex]));
  }

  async restore(s: Snapshot): Promise<void> {
    const text = Buffer.from(s.data).toString();
    this.byIndex = new Map(text === '' ? [] : (JSON.parse(text) as Array<[number, string]>));
    this.applied = s.metadata.index;
  }
}

/** In memory (a crash loses nothing saved), but a save resolves only after a few event-loop turns. */
class SlowStorage extends MemoryStorage {
  constructor(private readonly rng: SeededRng) {
    super();
  }

  override async save(request: SaveRequest): Promise<void> {
    this.saveSync(request);
    for (let i = this.rng.int(6); i > 0; i--) await turn();
  }
}

class ChaosNet {
  readonly endpoints = new Map<NodeId, ChaosTransport>();
  readonly cut = new Set<string>();
  dropRate = 0.02;
  duplicateRate = 0.02;
  delayTurnsMax = 8;

  constructor(readonly rng: SeededRng) {}

  isolate(id: NodeId, peers: readonly NodeId[]): void {
    for (const p of peers) {
      this.cut.add(`${id}>${p}`);
      this.cut.add(`${p}>${id}`);
    }
  }

  heal(): void {
    this.cut.clear();
    this.dropRate = 0;
    this.duplicateRate = 0;
  }
}

class ChaosTransport implements Transport {
  private receiver: (messages: Message[]) => void = () => {};
  private readonly reporters: Array<(r: PeerReport) => void> = [];
  private readonly peers = new Set<NodeId>();
  closed = false;

  constructor(
    readonly id: NodeId,
    private readonly net: ChaosNet,
  ) {}

  send(messages: readonly Message[]): void {
    for (const m of messages) {
      if (!this.peers.has(m.to)) continue;
      if (this.net.cut.has(`${this.id}>${m.to}`) || this.net.rng.float() < this.net.dropRate) {
        this.lost(m);
        continue;
      }
      const copies = this.net.rng.float() < this.net.duplicateRate ? 2 : 1;
      for (let c = 0; c < copies; c++) void this.deliverLater(m, this.net.rng.int(this.net.delayTurnsMax));
    }
  }

  private async deliverLater(m: Message, turns: number): Promise<void> {
    for (let i = 0; i < turns; i++) await turn();
    const target = this.net.endpoints.get(m.to);
    if (target === undefined || target.closed || !target.peers.has(this.id) || this.closed) return this.lost(m);
    // As a network would: the receiver gets its own copy of every buffer.
    const copy: Message = { ...m, entries: m.entries.map((e) => ({ ...e, data: Uint8Array.from(e.data) })) };
    if (m.snapshot !== undefined) copy.snapshot = { metadata: m.snapshot.metadata, data: Uint8Array.from(m.snapshot.data) };
    target.receiver([copy]);
    if (m.snapshot !== undefined) this.report({ type: 'snapshot', peer: m.to, ok: true });
  }

  /**
   * As GrpcTransport, from inside send() when a queue is full: the peer is reported unreachable, and a snapshot
   * that does not arrive failed (or the leader would wait for it forever).
   */
  private lost(m: Message): void {
    this.report({ type: 'unreachable', peer: m.to });
    if (m.snapshot !== undefined) this.report({ type: 'snapshot', peer: m.to, ok: false });
  }

  private report(r: PeerReport): void {
    if (this.closed) return;
    for (const h of this.reporters) h(r);
  }

  onReceive(handler: (messages: Message[]) => void): void {
    this.receiver = handler;
  }

  onReport(handler: (report: PeerReport) => void): void {
    this.reporters.push(handler);
  }

  addPeer(id: NodeId): void {
    this.peers.add(id);
  }

  removePeer(id: NodeId): void {
    this.peers.delete(id);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

interface ChaosMember {
  node: RaftNode;
  app: CheckedApp;
  storage: SlowStorage;
}

export interface ChaosOutcome {
  /** Node failures (a gap or repeat in what the application was handed lands here). */
  failures: string[];
  /** Indexes at which two members applied different entries. */
  divergences: string[];
  /** Members of the final configuration that did not reach the leader's commit index once healed. */
  laggards: string[];
  membershipChanges: number;
  crashes: number;
  appliedIndex: number;
}

/** One seeded run: `steps` rounds of random proposals and faults, then healing until every member caught up. */
export async function runChaos(seed: number, steps: number): Promise<ChaosOutcome> {
  const rng = new SeededRng(seed);
  const net = new ChaosNet(rng.fork());
  const clock = new ManualClock();
  const failures: string[] = [];
  const members = new Map<NodeId, ChaosMember>();
  const retired: ChaosMember[] = [];
  let config: NodeId[] = [1n, 2n, 3n];
  let nextId = 4n;
  let crashes = 0;
  let membershipChanges = 0;

  const retire = async (id: NodeId): Promise<void> => {
    const m = members.get(id);
    if (m === undefined) return;
    members.delete(id);
    retired.push(m);
    await m.node.stop();
    net.endpoints.delete(id);
  };

  const start = async (id: NodeId, old: ChaosMember | undefined, joining: boolean): Promise<ChaosMember> => {
    let storage = old?.storage;
    if (storage === undefined) {
      storage = new SlowStorage(rng.fork());
      if (!joining) storage.applySnapshot(bootstrapSnapshot(config));
    }
    const app = old?.app ?? new CheckedApp(id, rng.fork(), joining ? 0 : 1);
    const transport = new ChaosTransport(id, net);
    net.endpoints.set(id, transport);
    for (const p of [...config, ...members.keys()]) if (p !== id) transport.addPeer(p);
    app.onConfChange = (cc) => {
      for (const c of cc.changes) {
        if (c.type === ConfChangeType.RemoveNode) {
          transport.removePeer(c.nodeId);
          if (c.nodeId === id) setImmediate(() => void retire(id));
        } else if (c.nodeId !== id) transport.addPeer(c.nodeId);
      }
    };
    const node = await RaftNode.start({
      id,
      storage,
      transport,
      app,
      appliedIndex: app.applied,
      clock,
      heartbeatIntervalMs: 10,
      heartbeatTick: 1,
      electionTick: 10,
      snapshotCount: 40,
      snapshotCatchUpEntries: 10,
      rng: new SeededRng(seed * 31 + Number(id)),
    });
    node.onFatal((e) => failures.push(`n${id}: ${e instanceof Error ? e.message : String(e)}`));
    const m: ChaosMember = { node, app, storage };
    members.set(id, m);
    return m;
  };

  const leader = (): ChaosMember | undefined => [...members.values()].find((m) => m.node.isLeader);
  const changeMembers = (cc: ConfChangeV2): void => {
    leader()?.node.proposeConfChange(cc).catch(() => undefined);
  };

  // A removal (of the leader half the time), then an addition of a fresh node, one at a time.
  let change: { op: 'remove' | 'add'; id: NodeId; proposedAt: number } | undefined;
  const stepMembership = async (step: number): Promise<void> => {
    const lead = leader();
    if (lead === undefined) return;
    const voters = lead.node.status().config.voters;
    if (change === undefined && voters.length === 3) {
      const victim = rng.float() < 0.5 ? lead.node.id : voters[rng.int(voters.length)];
      change = { op: 'remove', id: victim, proposedAt: step };
      changeMembers({ transition: ConfChangeTransition.Auto, changes: [{ type: ConfChangeType.RemoveNode, nodeId: victim }], context: new Uint8Array(0) });
    } else if (change?.op === 'remove' && !voters.includes(change.id)) {
      // The leader's configuration no longer has it: gone (etcd's peers refuse a removed member likewise).
      await retire(change.id);
      config = config.filter((x) => x !== change!.id);
      const id = nextId++;
      change = { op: 'add', id, proposedAt: step };
      config = [...config, id];
      for (const m of members.values()) net.endpoints.get(m.node.id)?.addPeer(id);
      await start(id, undefined, true);
      changeMembers({ transition: ConfChangeTransition.Auto, changes: [{ type: ConfChangeType.AddNode, nodeId: id }], context: new Uint8Array(0) });
      membershipChanges++;
    } else if (change?.op === 'add' && voters.includes(change.id)) {
      change = undefined;
      membershipChanges++;
    } else if (change !== undefined && step - change.proposedAt > 200) {
      // The proposal was lost to a leader change: ask again.
      change.proposedAt = step;
      const type = change.op === 'remove' ? ConfChangeType.RemoveNode : ConfChangeType.AddNode;
      changeMembers({ transition: ConfChangeTransition.Auto, changes: [{ type, nodeId: change.id }], context: new Uint8Array(0) });
    }
  };

  for (const id of config) await start(id, undefined, false);
  let proposed = 0;
  for (let step = 0; step < steps && failures.length === 0; step++) {
    const dice = rng.float();
    const ids = [...members.keys()];
    const someone = members.get(ids[rng.int(ids.length)]);
    if (dice < 0.4 && someone !== undefined) {
      for (let n = 1 + rng.int(4); n > 0; n--) someone.node.propose(Buffer.from(`p${proposed++}`)).catch(() => undefined);
    } else if (dice < 0.42 && someone !== undefined) {
      net.isolate(someone.node.id, ids);
    } else if (dice < 0.45) {
      net.cut.clear();
    } else if (dice < 0.47) {
      await stepMembership(step);
    } else if (dice < 0.475 && someone !== undefined) {
      // Crash and restart over what was saved; the application keeps its applied state, as the store does.
      crashes++;
      await someone.node.stop();
      net.endpoints.delete(someone.node.id);
      await start(someone.node.id, someone, false);
    }
    for (let i = rng.int(4); i > 0; i--) await turn();
    if (rng.float() < 0.5) clock.advance(10);
  }

  net.heal();
  const caughtUp = (): boolean => {
    const lead = leader();
    if (lead === undefined) return false;
    const commit = lead.node.status().hardState.commit;
    return lead.node.status().config.voters.every((id) => members.get(id)?.app.applied === commit);
  };
  for (let i = 0; i < 5_000 && failures.length === 0 && !caughtUp(); i++) {
    if (change !== undefined) await stepMembership(steps + i);
    for (let k = 0; k < 4; k++) await turn();
    clock.advance(10);
  }

  const lead = leader();
  const laggards: string[] = [];
  if (lead !== undefined) {
    const commit = lead.node.status().hardState.commit;
    for (const id of lead.node.status().config.voters) {
      const applied = members.get(id)?.app.applied;
      if (applied !== commit) laggards.push(`n${id} applied ${applied} of ${commit}`);
    }
  } else if (failures.length === 0) {
    laggards.push('no leader after healing');
  }
  const everyone = [...members.values(), ...retired];
  const divergences: string[] = [];
  const top = Math.max(...everyone.map((m) => m.app.applied));
  for (let i = 1; i <= top; i++) {
    const seen = new Set(everyone.map((m) => m.app.byIndex.get(i)).filter((v) => v !== undefined));
    if (seen.size > 1) divergences.push(`index ${i}: ${[...seen].join(' | ')}`);
  }
  for (const m of members.values()) await m.node.stop();
  return { failures, divergences, laggards, membershipChanges, crashes, appliedIndex: lead?.app.applied ?? 0 };
}
