// An in-process Raft cluster for benchmarks: N RawNodes in one event loop, messages handed over in memory.
//
// Each node runs at most one Ready cycle per event-loop turn: step what arrived, propose what waits, then
// take a Ready, send `messages` at once (the leader's appends go out while its own disk write is in flight),
// persist hard state + entries + snapshot with ONE save, and only when it resolves send
// `messagesAfterPersist`, apply `committedEntries` and advance(). While a save is in flight the node keeps
// stepping messages and collecting proposals; they go into the next Ready, so batches grow with load.
import { RaftError } from '../../src/raft/errors.ts';
import { RawNode } from '../../src/raft/raw-node.ts';
import { SeededRng } from '../../src/raft/rng.ts';
import type { LogStorage } from '../../src/raft/storage.ts';
import { StateType, type Entry, type Message, type NodeId, type Ready } from '../../src/raft/types.ts';

export interface ClusterOptions {
  /** Real milliseconds per Raft tick. */
  tickMs: number;
  electionTick: number;
  heartbeatTick: number;
  /** Called on the leader for every batch of entries it applies. */
  onLeaderApply: (entries: readonly Entry[]) => void;
}

interface ClusterNode {
  id: NodeId;
  raw: RawNode;
  storage: LogStorage;
  inbox: Message[];
  scheduled: boolean;
  /** A Ready is out: its save has not resolved, so no advance() and no next Ready yet. */
  persisting: boolean;
  isLeader: boolean;
  applied: number;
  readies: number;
}

export class InProcessCluster {
  private readonly nodes = new Map<NodeId, ClusterNode>();
  private readonly proposals: Uint8Array[] = [];
  private leader: ClusterNode | undefined;
  private ticker: ReturnType<typeof setInterval> | undefined;
  private stopped = false;
  private failure: unknown;
  private leaderWaiters: (() => void)[] = [];

  /** `storages[k]` belongs to node k+1; each must already hold the cluster's membership. */
  constructor(
    storages: readonly LogStorage[],
    private readonly options: ClusterOptions,
  ) {
    storages.forEach((storage, k) => {
      const id = BigInt(k + 1);
      const applied = storage.snapshot().metadata.index;
      const raw = new RawNode({
        id,
        storage,
        applied,
        electionTick: options.electionTick,
        heartbeatTick: options.heartbeatTick,
        rng: new SeededRng(k + 1),
        maxSizePerMsg: 1024 * 1024,
        maxInflightMsgs: 256,
      });
      this.nodes.set(id, { id, raw, storage, inbox: [], scheduled: false, persisting: false, isLeader: false, applied, readies: 0 });
    });
  }

  /** Starts ticking, has node 1 campaign, and resolves once a leader is known. */
  async start(): Promise<void> {
    this.ticker = setInterval(() => this.tickAll(), this.options.tickMs);
    const first = this.nodes.get(1n);
    if (first === undefined) throw new Error('cluster has no node 1');
    first.raw.campaign();
    this.schedule(first);
    await new Promise<void>((resolve) => {
      if (this.leader !== undefined) resolve();
      else this.leaderWaiters.push(resolve);
    });
  }

  propose(data: Uint8Array): void {
    this.proposals.push(data);
    if (this.leader !== undefined) this.schedule(this.leader);
  }

  /** Ready cycles per node so far. */
  readyCounts(): number[] {
    return [...this.nodes.values()].map((n) => n.readies);
  }

  /** Stops ticking and cycling, waits for saves in flight, closes the storages. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.ticker !== undefined) clearInterval(this.ticker);
    for (const n of this.nodes.values()) await n.storage.close();
    if (this.failure !== undefined) throw this.failure;
  }

  private tickAll(): void {
    for (const n of this.nodes.values()) {
      n.raw.tick();
      this.schedule(n);
    }
  }

  private schedule(n: ClusterNode): void {
    if (n.scheduled || this.stopped) return;
    n.scheduled = true;
    setImmediate(() => this.cycle(n));
  }

  private send(messages: readonly Message[]): void {
    for (const m of messages) {
      const to = this.nodes.get(m.to);
      if (to === undefined) continue;
      to.inbox.push(m);
      this.schedule(to);
    }
  }

  private cycle(n: ClusterNode): void {
    n.scheduled = false;
    if (this.stopped) return;
    const inbox = n.inbox;
    n.inbox = [];
    for (const m of inbox) stepIgnoringPeerErrors(n.raw, m);
    if (n.isLeader && this.proposals.length > 0) this.proposeAll(n);
    if (n.persisting || !n.raw.hasReady()) return;
    const rd = n.raw.ready();
    n.readies++;
    if (rd.softState !== undefined) this.noteRole(n, rd.softState.raftState === StateType.Leader);
    this.send(rd.messages);
    n.persisting = true;
    const mustPersist = rd.hardState !== undefined || rd.entries.length > 0 || rd.snapshot !== undefined;
    if (!mustPersist) {
      this.afterPersist(n, rd);
      return;
    }
    n.storage.save({ hardState: rd.hardState, entries: rd.entries, snapshot: rd.snapshot }).then(
      () => this.afterPersist(n, rd),
      (e: unknown) => this.fail(e),
    );
  }

  private afterPersist(n: ClusterNode, rd: Ready): void {
    n.persisting = false;
    if (this.stopped) return;
    if (rd.snapshot !== undefined) n.applied = Math.max(n.applied, rd.snapshot.metadata.index);
    this.send(rd.messagesAfterPersist);
    const committed = rd.committedEntries;
    if (committed.length > 0) {
      n.applied = committed[committed.length - 1].index;
      if (n.isLeader) this.options.onLeaderApply(committed);
    }
    n.raw.advance();
    this.schedule(n);
  }

  private proposeAll(n: ClusterNode): void {
    let k = 0;
    try {
      for (; k < this.proposals.length; k++) n.raw.propose(this.proposals[k]);
    } catch (e) {
      if (!(e instanceof RaftError)) throw e;
      // Dropped (leadership changing): the rest wait for the next leader.
    }
    this.proposals.splice(0, k);
  }

  private noteRole(n: ClusterNode, isLeader: boolean): void {
    n.isLeader = isLeader;
    if (isLeader) {
      this.leader = n;
      for (const w of this.leaderWaiters.splice(0)) w();
      this.schedule(n);
    } else if (this.leader === n) {
      this.leader = undefined;
    }
  }

  private fail(e: unknown): void {
    this.failure ??= e;
    this.stopped = true;
  }
}

function stepIgnoringPeerErrors(raw: RawNode, m: Message): void {
  try {
    raw.step(m);
  } catch (e) {
    if (!(e instanceof RaftError)) throw e;
  }
}
