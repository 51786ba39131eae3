// One seed, one process, one virtual clock: the cluster, its clients and its faults as a discrete-event
// simulation. A seed runs a safety phase under its fault mix (checkers watching every step), then a liveness
// phase with every fault healed that must converge within a bound. The same seed always replays the same run.
import type { UnsafeTestingOptions } from '../config.ts';
import { RaftError } from '../errors.ts';
import { SeededRng, type Rng } from '../rng.ts';
import {
  MessageType,
  StateType,
  type ConfState,
  type Message,
  type NodeId,
} from '../types.ts';
import { encodeProposal } from './app.ts';
import { Checkers, type Violation } from './checkers.ts';
import { SimDisk } from './disk.ts';
import { EventQueue } from './event-queue.ts';
import { FaultInjector, pickFrom } from './faults.ts';
import { describeFaultMix, drawFaultMix, type FaultMix, type Profile } from './fault-mix.ts';
import { SimNetwork } from './network.ts';
import { SimNode, encodeReadContext, fmtConf, type NodeHost } from './node.ts';
import { Trace } from './trace.ts';

export interface SimOptions {
  seed: number;
  /** Keep every trace line (replay); otherwise only the tail kept for a violation report. */
  traceFull?: boolean;
  unsafe?: UnsafeTestingOptions;
  profile?: Profile;
  /** Leader-lease reads instead of ReadIndex rounds (see drawFaultMix). */
  leaseReads?: boolean;
  /** Disks whose fsync lies (nothing becomes durable): only to show that the durability checks fire. */
  brokenDisks?: boolean;
}

export interface SimResult {
  seed: number;
  ok: boolean;
  violation: Violation | undefined;
  converged: boolean;
  /** Virtual ms from healing to convergence. */
  convergedAfterMs: number | undefined;
  virtualMs: number;
  events: number;
  mix: string;
  /** Full trace (traceFull) or its last lines. */
  trace: string[];
  stats: SimStats;
}

export interface SimStats {
  proposals: number;
  acked: number;
  failed: number;
  messagesSent: number;
  messagesDropped: number;
  crashes: number;
  confChanges: number;
  snapshotsSent: number;
  leaders: number;
  /** Linearizable reads served (and checked against every write acknowledged before they began). */
  reads: number;
}

type SimEvent =
  | { kind: 'tick'; id: NodeId }
  | { kind: 'deliver'; m: Message }
  | { kind: 'fsync'; id: NodeId; incarnation: number; writeId: number }
  | { kind: 'restart'; id: NodeId; incarnation: number }
  | { kind: 'report'; from: NodeId; to: NodeId; what: 'snapshot-ok' | 'snapshot-failed' | 'unreachable' }
  | { kind: 'cut'; id: NodeId; term: number }
  | { kind: 'client' }
  | { kind: 'fault' }
  | { kind: 'heal' }
  | { kind: 'converge' };

interface Proposal {
  id: number;
  node: NodeId;
  incarnation: number;
  atMs: number;
  state: 'pending' | 'acked' | 'failed';
  barrier: boolean;
}

/** A bound on the work of one seed, whatever the mix: a runaway seed is a bug in the simulator. */
const EVENTS_MAX = 2_000_000;
const CONVERGE_CHECK_MS = 20;

export function runSeed(options: SimOptions): SimResult {
  return new Simulator(options).run();
}

export class Simulator implements NodeHost {
  readonly checkers = new Checkers();
  private readonly queue = new EventQueue<SimEvent>();
  private readonly traceLog: Trace;
  private readonly mix: FaultMix;
  private readonly network: SimNetwork;
  private readonly nodes = new Map<NodeId, SimNode>();
  private readonly tickPeriodMs = new Map<NodeId, number>();
  private readonly proposals = new Map<number, Proposal>();
  private readonly rngWorkload: Rng;
  private readonly rngFaults: Rng;
  private readonly rngDisk: Rng;
  private readonly rngNodes: SeededRng;
  private readonly faults: FaultInjector;
  private proposalIdNext = 1;
  private nodeIdNext = 1n;
  private phase: 'safety' | 'liveness' | 'done' = 'safety';
  private livenessStartMs = 0;
  private convergedAfterMs: number | undefined;
  private barrierAcked = false;
  private events = 0;
  private readonly stats: SimStats = {
    proposals: 0,
    acked: 0,
    failed: 0,
    messagesSent: 0,
    messagesDropped: 0,
    crashes: 0,
    confChanges: 0,
    snapshotsSent: 0,
    leaders: 0,
    reads: 0,
  };
  /** Acknowledged proposal IDs in acknowledgement order; a read must see the prefix acknowledged before it began. */
  private readonly ackedInOrder: number[] = [];
  private readonly reads = new Map<number, { node: NodeId; incarnation: number; ackedBefore: number }>();
  private readIdNext = 1;

  constructor(private readonly options: SimOptions) {
    const root = new SeededRng(options.seed);
    this.mix = drawFaultMix(root.fork(), options.profile ?? 'default', options.unsafe ?? {}, options.leaseReads ?? false);
    this.network = new SimNetwork(root.fork(), this.mix.network);
    this.rngWorkload = root.fork();
    this.rngFaults = root.fork();
    this.rngDisk = root.fork();
    this.rngNodes = root.fork();
    this.traceLog = new Trace(() => this.queue.nowMs, options.traceFull ?? false);
    this.faults = new FaultInjector({
      mix: this.mix,
      network: this.network,
      rng: this.rngFaults,
      trace: (text) => this.trace(text),
      node: (id) => this.nodes.get(id)!,
      ids: () => this.ids(),
      liveNodes: () => this.liveNodes(),
      leader: () => this.leader(),
      clusterConf: () => this.clusterConf(),
      nodeCount: () => this.nodes.size,
      newNode: () => this.newNode(),
      onCrashed: (node, delayMs) => this.onCrashed(node, delayMs),
      countConfChange: () => this.stats.confChanges++,
    });
  }

  // ---- NodeHost ----

  trace(text: string): void {
    this.traceLog.add(text);
  }

  send(m: Message): void {
    this.stats.messagesSent++;
    if (m.type === MessageType.Snap) this.stats.snapshotsSent++;
    const fate = this.network.send(m, this.queue.nowMs);
    if (fate.kind === 'dropped') {
      this.stats.messagesDropped++;
      this.trace(`${fmtMessage(m)} DROP ${fate.reason}`);
      this.reportLost(m);
      return;
    }
    this.trace(fmtMessage(m) + (fate.delaysMs.length > 1 ? ' DUP' : ''));
    for (const d of fate.delaysMs) this.queue.schedule(d, { kind: 'deliver', m: { ...m, entries: [...m.entries] } });
  }

  scheduleFsync(node: SimNode, incarnation: number, writeId: number, delayMs: number): void {
    this.queue.schedule(delayMs, { kind: 'fsync', id: node.id, incarnation, writeId });
  }

  fsyncDelayMs(): number {
    return this.mix.fsyncDelayMinMs + this.rngDisk.int(this.mix.fsyncDelayMaxMs - this.mix.fsyncDelayMinMs + 1);
  }

  onProposalApplied(node: SimNode, proposalId: number): void {
    const p = this.proposals.get(proposalId);
    if (p === undefined || p.state !== 'pending' || p.node !== node.id || p.incarnation !== node.incarnation) return;
    p.state = 'acked';
    this.stats.acked++;
    this.ackedInOrder.push(p.id);
    if (p.barrier) this.barrierAcked = true;
  }

  onLeaderMoment(node: SimNode, what: 'elected' | 'committed'): void {
    if (what === 'elected') this.stats.leaders++;
    if (this.phase !== 'safety') return;
    const p = what === 'elected' ? this.mix.cutNewLeaderProbability : this.mix.cutCommittingLeaderProbability;
    if (p === 0 || this.rngFaults.float() >= p) return;
    this.queue.schedule(this.rngFaults.int(4), { kind: 'cut', id: node.id, term: node.term });
  }

  onReadServed(node: SimNode, readId: number): void {
    const read = this.reads.get(readId);
    if (read === undefined || read.node !== node.id || read.incarnation !== node.incarnation) return;
    this.reads.delete(readId);
    this.stats.reads++;
    for (let k = 0; k < read.ackedBefore; k++) {
      const id = this.ackedInOrder[k];
      if (!node.app.has(id)) {
        this.checkers.fail(
          'stale-read',
          `read r${readId} on n${node.id} at applied ${node.app.appliedIndex} misses p${id}, acknowledged before the read began`,
        );
        return;
      }
    }
  }

  // ---- run ----

  run(): SimResult {
    this.trace(`seed ${this.options.seed} mix ${describeFaultMix(this.mix)}`);
    const bootstrapVoters: NodeId[] = [];
    for (let k = 0; k < this.mix.initialVoters; k++) bootstrapVoters.push(this.nodeIdNext++);
    for (const id of bootstrapVoters) this.addNode(id, bootstrapVoters);
    this.queue.schedule(1, { kind: 'client' });
    this.queue.schedule(1, { kind: 'fault' });
    this.queue.schedule(this.mix.safetyPhaseMs, { kind: 'heal' });
    while (this.checkers.ok && this.phase !== 'done') {
      const ev = this.queue.pop();
      if (ev === undefined) break;
      if (++this.events > EVENTS_MAX) {
        this.checkers.fail('liveness', `seed exceeded ${EVENTS_MAX} events`);
        break;
      }
      try {
        this.handle(ev);
      } catch (e) {
        // Whatever throws (the core, or the simulator itself) ends the seed with a report, not a crash.
        const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
        this.checkers.fail('core-assertion', `uncaught ${text}`);
        if (e instanceof Error && e.stack !== undefined) for (const line of e.stack.split('\n').slice(1, 6)) this.trace(`  ${line.trim()}`);
      }
    }
    const violation = this.checkers.violation;
    if (violation !== undefined) this.trace(`VIOLATION ${violation.kind}: ${violation.description}`);
    return {
      seed: this.options.seed,
      ok: violation === undefined && this.convergedAfterMs !== undefined,
      violation,
      converged: this.convergedAfterMs !== undefined,
      convergedAfterMs: this.convergedAfterMs,
      virtualMs: this.queue.nowMs,
      events: this.events,
      mix: describeFaultMix(this.mix),
      trace: this.traceLog.kept(),
      stats: this.stats,
    };
  }

  private addNode(id: NodeId, bootstrapVoters: NodeId[] | undefined): SimNode {
    const lies = this.options.brokenDisks ?? false;
    const disk =
      bootstrapVoters === undefined
        ? new SimDisk(undefined, lies)
        : new SimDisk({
            snapshot: {
              metadata: {
                index: 1,
                term: 1,
                confState: { voters: bootstrapVoters, learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false },
              },
              data: new Uint8Array(0),
            },
            hardState: { term: 1, vote: 0n, commit: 1 },
          }, lies);
    const node = new SimNode(id, disk, this, this.mix.raft, this.mix.snapshots, this.rngNodes.fork());
    this.nodes.set(id, node);
    node.start();
    const periodMs = this.mix.tickMs + (this.mix.tickSkewMsMax > 0 ? this.rngFaults.int(this.mix.tickSkewMsMax + 1) : 0);
    this.tickPeriodMs.set(id, periodMs);
    this.queue.schedule(1 + this.rngFaults.int(periodMs), { kind: 'tick', id });
    return node;
  }

  private handle(ev: SimEvent): void {
    switch (ev.kind) {
      case 'tick': {
        const node = this.nodes.get(ev.id)!;
        if (node.removed) return;
        node.tick();
        this.queue.schedule(this.tickPeriodMs.get(ev.id)!, ev);
        return;
      }
      case 'deliver':
        return this.deliver(ev.m);
      case 'fsync':
        return this.nodes.get(ev.id)!.onFsync(ev.incarnation, ev.writeId);
      case 'restart': {
        const node = this.nodes.get(ev.id)!;
        if (node.incarnation !== ev.incarnation || node.up || node.removed) return;
        node.start();
        node.process();
        return;
      }
      case 'report':
        return this.report(ev.from, ev.to, ev.what);
      case 'cut': {
        const node = this.nodes.get(ev.id)!;
        if (this.phase !== 'safety' || node.term !== ev.term || node.raftState !== StateType.Leader) return;
        this.network.isolate(node.id, this.ids());
        this.trace(`net isolate leader n${node.id} at a bad moment`);
        return;
      }
      case 'client':
        return this.client();
      case 'fault':
        if (this.phase !== 'safety') return;
        this.faults.act();
        this.queue.schedule(1 + this.rngFaults.int(2 * this.mix.faultIntervalMs), { kind: 'fault' });
        return;
      case 'heal':
        return this.heal();
      case 'converge':
        return this.checkConvergence();
    }
  }

  private deliver(m: Message): void {
    const node = this.nodes.get(m.to);
    if (node === undefined || !node.up || node.removed || !this.network.connected(m.from, m.to)) {
      this.reportLost(m);
      return;
    }
    node.step(m);
    if (m.type === MessageType.Snap) this.queue.schedule(1, { kind: 'report', from: m.from, to: m.to, what: 'snapshot-ok' });
  }

  /** The sender's transport notices a lost snapshot or a broken stream, as etcd's rafthttp reports it. */
  private reportLost(m: Message): void {
    if (m.type === MessageType.Snap) {
      this.queue.schedule(1, { kind: 'report', from: m.from, to: m.to, what: 'snapshot-failed' });
    } else if (m.type === MessageType.App && !this.network.connected(m.from, m.to)) {
      this.queue.schedule(1, { kind: 'report', from: m.from, to: m.to, what: 'unreachable' });
    }
  }

  private report(from: NodeId, to: NodeId, what: 'snapshot-ok' | 'snapshot-failed' | 'unreachable'): void {
    const node = this.nodes.get(from);
    const raw = node?.raw;
    if (node === undefined || raw === undefined || node.removed) return;
    try {
      node.guard(() => {
        if (what === 'unreachable') raw.reportUnreachable(to);
        else raw.reportSnapshot(to, what === 'snapshot-ok');
      });
    } catch (e) {
      if (!(e instanceof RaftError)) return;
    }
    node.process();
  }

  // ---- the workload ----

  private client(): void {
    if (this.phase === 'done') return;
    if (this.phase === 'safety') {
      // Mostly the leader; in the hostile mix any node that believes it leads (stale ones grow divergent tails).
      const leader =
        this.mix.profile === 'hostile'
          ? pickFrom(this.rngWorkload, this.liveNodes().filter((n) => n.raftState === StateType.Leader))
          : this.leader();
      const candidates = this.liveNodes();
      const target = leader !== undefined && this.rngWorkload.float() < 0.7 ? leader : pickFrom(this.rngWorkload, candidates);
      if (target !== undefined) {
        if (this.rngWorkload.float() < this.mix.readProbability) this.read(target);
        else this.propose(target, false);
      }
      this.queue.schedule(1 + this.rngWorkload.int(2 * this.mix.proposalIntervalMs), { kind: 'client' });
      return;
    }
    if (this.barrierAcked) return;
    const leader = this.leader();
    if (leader !== undefined) this.propose(leader, true);
    this.queue.schedule(100, { kind: 'client' });
  }

  /** A linearizable read: ReadIndex, then the application's state once it has applied up to that index. */
  private read(node: SimNode): void {
    const raw = node.raw!;
    const id = this.readIdNext++;
    this.reads.set(id, { node: node.id, incarnation: node.incarnation, ackedBefore: this.ackedInOrder.length });
    node.guard(() => raw.readIndex(encodeReadContext(id)));
    this.trace(`client r${id} -> n${node.id}`);
    node.process();
  }

  private propose(node: SimNode, barrier: boolean): void {
    const raw = node.raw!;
    const id = this.proposalIdNext++;
    const p: Proposal = { id, node: node.id, incarnation: node.incarnation, atMs: this.queue.nowMs, state: 'pending', barrier };
    this.proposals.set(id, p);
    this.stats.proposals++;
    try {
      node.guard(() => raw.propose(encodeProposal(id)));
      this.trace(`client p${id} -> n${node.id}${barrier ? ' (barrier)' : ''}`);
    } catch (e) {
      if (!(e instanceof RaftError)) return;
      p.state = 'failed';
      this.stats.failed++;
      this.trace(`client p${id} -> n${node.id} refused: ${e.code}`);
    }
    node.process();
  }

  private newNode(): SimNode {
    const id = this.nodeIdNext++;
    this.trace(`new node n${id}`);
    return this.addNode(id, undefined);
  }

  private onCrashed(node: SimNode, restartDelayMs: number): void {
    this.stats.crashes++;
    for (const p of this.proposals.values()) {
      if (p.state === 'pending' && p.node === node.id) this.failProposal(p, 'proposer crashed');
    }
    this.queue.schedule(restartDelayMs, { kind: 'restart', id: node.id, incarnation: node.incarnation });
  }

  // ---- liveness ----

  private heal(): void {
    this.phase = 'liveness';
    this.livenessStartMs = this.queue.nowMs;
    this.network.healAll();
    const n = this.mix.network;
    this.network.setFaults({ lossProbability: 0, duplicateProbability: 0, reorder: false, delayMinMs: n.delayMinMs, delayMaxMs: Math.min(n.delayMaxMs, n.delayMinMs + 10) });
    this.trace('HEAL: liveness phase, every fault cleared');
    for (const node of this.nodes.values()) {
      if (!node.up && !node.removed) {
        node.start();
        node.process();
      }
    }
    this.queue.schedule(CONVERGE_CHECK_MS, { kind: 'converge' });
  }

  private checkConvergence(): void {
    const nowMs = this.queue.nowMs;
    for (const p of this.proposals.values()) {
      if (p.state === 'pending' && nowMs - p.atMs > this.mix.proposalTimeoutMs) this.failProposal(p, 'timed out');
    }
    const why = this.notConvergedBecause();
    if (why === undefined) {
      this.convergedAfterMs = nowMs - this.livenessStartMs;
      this.trace(`CONVERGED after ${this.convergedAfterMs}ms`);
      this.checkAckedWritesSurvive();
      this.phase = 'done';
      return;
    }
    if (nowMs - this.livenessStartMs >= this.mix.livenessPhaseMsMax) {
      this.checkers.fail('liveness', `no convergence ${this.mix.livenessPhaseMsMax}ms after healing: ${why}`);
      return;
    }
    this.queue.schedule(CONVERGE_CHECK_MS, { kind: 'converge' });
  }

  private notConvergedBecause(): string | undefined {
    const leader = this.leader();
    if (leader === undefined) return 'no leader';
    if (!this.barrierAcked) {
      const progress = [...(leader.raw!.status().progress ?? new Map()).entries()]
        .map(([id, pr]) => `n${id}:${pr.state}/m${pr.match}/n${pr.next}/i${pr.inflightCount}${pr.paused ? 'P' : ''}`)
        .join(' ');
      return `no barrier proposal acknowledged yet (leader n${leader.id} term ${leader.term} commit ${leader.commit}, ${progress})`;
    }
    const cs = leader.confState;
    if (cs.votersOutgoing.length > 0) return `leader n${leader.id} still joint ${fmtConf(cs)}`;
    const commit = leader.commit;
    if (leader.storage.lastIndex() !== commit) return `leader n${leader.id} last ${leader.storage.lastIndex()} > commit ${commit}`;
    for (const id of membersOf(cs)) {
      const n = this.nodes.get(id);
      if (n === undefined || !n.up) return `member n${id} down`;
      if (n.app.appliedIndex !== commit) {
        const pr = leader.raw!.status().progress?.get(id);
        const seen = pr === undefined ? 'untracked' : `${pr.state} match=${pr.match} next=${pr.next} inflight=${pr.inflightCount}${pr.paused ? ' paused' : ''}${pr.recentActive ? '' : ' inactive'}`;
        return `member n${id} applied ${n.app.appliedIndex} (last ${n.storage.lastIndex()}), leader n${leader.id} commit ${commit}, progress ${seen}`;
      }
    }
    for (const p of this.proposals.values()) if (p.state === 'pending') return `proposal p${p.id} pending`;
    return undefined;
  }

  private checkAckedWritesSurvive(): void {
    const leader = this.leader()!;
    for (const id of membersOf(leader.confState)) {
      const n = this.nodes.get(id)!;
      for (const p of this.proposals.values()) {
        if (p.state === 'acked' && !n.app.has(p.id)) {
          this.checkers.fail('lost-acknowledged-write', `acknowledged proposal p${p.id} missing from n${id}`);
          return;
        }
      }
    }
  }

  private failProposal(p: Proposal, why: string): void {
    p.state = 'failed';
    this.stats.failed++;
    this.trace(`client p${p.id} failed: ${why}`);
  }

  // ---- helpers ----

  private ids(): NodeId[] {
    return [...this.nodes.keys()];
  }

  private liveNodes(): SimNode[] {
    return [...this.nodes.values()].filter((n) => n.up && !n.removed);
  }

  /** The running leader of the highest term, if any. */
  private leader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const n of this.nodes.values()) {
      if (!n.up || n.removed || n.raftState !== StateType.Leader) continue;
      if (best === undefined || n.term > best.term) best = n;
    }
    return best;
  }

  /** The membership applied furthest along, for the fault budget. */
  private clusterConf(): ConfState {
    let best: SimNode | undefined;
    for (const n of this.nodes.values()) if (best === undefined || n.app.appliedIndex > best.app.appliedIndex) best = n;
    return best!.confState;
  }
}

function membersOf(cs: ConfState): NodeId[] {
  return [...new Set([...cs.voters, ...cs.learners, ...cs.votersOutgoing, ...cs.learnersNext])];
}

function fmtMessage(m: Message): string {
  let s = `n${m.from}->n${m.to} ${m.type} t${m.term}`;
  if (m.type === MessageType.App || m.type === MessageType.Vote || m.type === MessageType.PreVote) s += ` ${m.index}/${m.logTerm}`;
  if (m.entries.length > 0) s += ` +${m.entries.length}`;
  if (m.commit > 0) s += ` c${m.commit}`;
  if (m.reject) s += ` REJECT(hint ${m.rejectHint})`;
  if (m.type === MessageType.AppResp && !m.reject) s += ` ack${m.index}`;
  if (m.snapshot !== undefined) s += ` snap${m.snapshot.metadata.index}/${m.snapshot.metadata.term}`;
  return s;
}
