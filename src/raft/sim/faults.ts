// The safety phase's fault actions: crashes, partitions (both ways, one way, group splits, healed one node at a
// time in random order), membership changes and leader transfers. One action per fault event, drawn by the
// mix's weights; every draw comes from the faults' own Rng stream.
import { RaftError } from '../errors.ts';
import type { Rng } from '../rng.ts';
import { ConfChangeTransition, ConfChangeType, type ConfChangeSingle, type ConfState, type NodeId } from '../types.ts';
import type { FaultMix } from './fault-mix.ts';
import type { SimNetwork } from './network.ts';
import { fmtConf, type SimNode } from './node.ts';

/** What the fault actions may see and do in the simulated world. */
export interface FaultWorld {
  readonly mix: FaultMix;
  readonly network: SimNetwork;
  readonly rng: Rng;
  trace(text: string): void;
  node(id: NodeId): SimNode;
  ids(): NodeId[];
  liveNodes(): SimNode[];
  leader(): SimNode | undefined;
  /** The membership applied furthest along, for the fault budget. */
  clusterConf(): ConfState;
  /** Node IDs created so far (IDs are never reused). */
  nodeCount(): number;
  /** Creates and starts a fresh, empty node with the next ID. */
  newNode(): SimNode;
  /** The node crashed: its clients' pending requests fail; it restarts after `delayMs`. */
  onCrashed(node: SimNode, delayMs: number): void;
  countConfChange(): void;
}

export function pickFrom<T>(rng: Rng, xs: readonly T[]): T | undefined {
  return xs.length === 0 ? undefined : xs[rng.int(xs.length)];
}

export class FaultInjector {
  constructor(private readonly w: FaultWorld) {}

  /** Performs one action drawn by weight (some find nothing to do and do nothing). */
  act(): void {
    const weights = this.w.mix.weights;
    const actions: [number, () => void][] = [
      [weights.crash, () => this.crashOne()],
      [weights.isolate, () => this.isolateOne(false)],
      [weights.isolateOneWay, () => this.isolateOne(true)],
      [weights.split, () => this.split()],
      [weights.healOne, () => this.healOne()],
      [weights.healAll, () => this.healAll()],
      [weights.confChange, () => this.confChange()],
      [weights.transferLeader, () => this.transferLeader()],
    ];
    const total = actions.reduce((s, [weight]) => s + weight, 0);
    if (total === 0) return;
    let r = this.w.rng.int(total);
    for (const [weight, action] of actions) {
      if (r < weight) return action();
      r -= weight;
    }
  }

  /** A fault's victim: the leader (if among `nodes`) with the mix's leader bias, else any of `nodes`. */
  private pickTarget(nodes: SimNode[]): SimNode | undefined {
    const leader = this.w.leader();
    if (leader !== undefined && nodes.includes(leader) && this.w.rng.float() < this.w.mix.leaderBias) return leader;
    return pickFrom(this.w.rng, nodes);
  }

  /** Crashes a node, but never so many voters that no majority is left running. */
  private crashOne(): void {
    const { mix, rng } = this.w;
    const conf = this.w.clusterConf();
    const down = this.w.ids().filter((id) => conf.voters.includes(id) && !this.w.node(id).up).length;
    if (down + 1 > Math.floor((conf.voters.length - 1) / 2)) return;
    const node = this.pickTarget(this.w.liveNodes());
    if (node === undefined) return;
    let survivors = 0;
    while (survivors < node.disk.unsyncedCount && rng.float() < mix.unsyncedSurvivalProbability) survivors++;
    node.crash(survivors);
    this.w.onCrashed(node, mix.restartDelayMinMs + rng.int(mix.restartDelayMaxMs - mix.restartDelayMinMs + 1));
  }

  /** Cuts one node not yet affected off from everyone: both ways, or only what it sends, or only what it hears. */
  private isolateOne(oneWay: boolean): void {
    const { network, rng } = this.w;
    const affected = new Set(network.affectedNodes());
    const node = this.pickTarget(this.w.liveNodes().filter((n) => !affected.has(n.id)));
    if (node === undefined) return;
    const others = this.w.ids().filter((id) => id !== node.id);
    if (!oneWay) {
      network.isolate(node.id, others);
      this.w.trace(`net isolate n${node.id}`);
    } else if (rng.float() < 0.5) {
      for (const o of others) network.cutLink(node.id, o);
      this.w.trace(`net mute n${node.id} (cannot send)`);
    } else {
      for (const o of others) network.cutLink(o, node.id);
      this.w.trace(`net deafen n${node.id} (cannot receive)`);
    }
  }

  private split(): void {
    const ids = this.w.ids();
    const a = ids.filter(() => this.w.rng.float() < 0.5);
    const b = ids.filter((id) => !a.includes(id));
    if (a.length === 0 || b.length === 0) return;
    this.w.network.partition(a, b);
    this.w.trace(`net split (${a.join(',')}) | (${b.join(',')})`);
  }

  private healOne(): void {
    const affected = this.w.network.affectedNodes();
    if (affected.length === 0) return;
    const id = affected[this.w.rng.int(affected.length)];
    this.w.network.heal(id);
    this.w.trace(`net heal n${id}`);
  }

  private healAll(): void {
    if (this.w.network.cutLinkCount === 0) return;
    this.w.network.healAll();
    this.w.trace('net heal all');
  }

  /**
   * One ConfChangeV2 through the leader: add a voter or a learner (a fresh node), promote or remove a learner,
   * remove a voter, or replace a voter (two changes: joint consensus). Voters stay within [3, 5].
   */
  private confChange(): void {
    const { rng } = this.w;
    const leader = this.w.leader();
    if (leader === undefined) return;
    const cs = leader.confState;
    if (cs.votersOutgoing.length > 0) return;
    const changes: ConfChangeSingle[] = [];
    const add = (type: ConfChangeType, nodeId: NodeId) => changes.push({ type, nodeId });
    const canGrow = this.w.nodeCount() < this.w.mix.nodesMax;
    const options: (() => void)[] = [];
    if (canGrow && cs.voters.length < 5) options.push(() => add(ConfChangeType.AddNode, this.w.newNode().id));
    if (canGrow && cs.learners.length < 2) options.push(() => add(ConfChangeType.AddLearnerNode, this.w.newNode().id));
    if (cs.learners.length > 0) options.push(() => add(ConfChangeType.AddNode, pickFrom(rng, cs.learners)!));
    if (cs.voters.length > 3) options.push(() => add(ConfChangeType.RemoveNode, pickFrom(rng, cs.voters)!));
    if (cs.learners.length > 0) options.push(() => add(ConfChangeType.RemoveNode, pickFrom(rng, cs.learners)!));
    if (canGrow && cs.voters.length >= 3) {
      options.push(() => {
        add(ConfChangeType.AddNode, this.w.newNode().id);
        add(ConfChangeType.RemoveNode, pickFrom(rng, cs.voters)!);
      });
    }
    if (options.length === 0) return;
    pickFrom(rng, options)!();
    const transition = rng.float() < 0.5 ? ConfChangeTransition.Auto : ConfChangeTransition.JointImplicit;
    const raw = leader.raw!;
    const text = changes.map((c) => `${ConfChangeType[c.type]}(${c.nodeId})`).join(' ');
    try {
      leader.guard(() => raw.proposeConfChange({ transition, changes, context: new Uint8Array(0) }));
      this.w.countConfChange();
      this.w.trace(`conf change via n${leader.id}: ${text} ${ConfChangeTransition[transition]} from ${fmtConf(cs)}`);
    } catch (e) {
      if (!(e instanceof RaftError)) return;
      this.w.trace(`conf change via n${leader.id}: ${text} refused: ${e.code}`);
    }
    leader.process();
  }

  private transferLeader(): void {
    const leader = this.w.leader();
    if (leader === undefined) return;
    const to = pickFrom(
      this.w.rng,
      leader.confState.voters.filter((id) => id !== leader.id),
    );
    if (to === undefined) return;
    const raw = leader.raw!;
    this.w.trace(`transfer leadership n${leader.id} -> n${to}`);
    try {
      leader.guard(() => raw.transferLeader(to));
    } catch (e) {
      if (!(e instanceof RaftError)) return;
      this.w.trace(`transfer refused: ${e.code}`);
    }
    leader.process();
  }
}
