// The per-seed configuration: every knob of the workload and the fault model is drawn from the seed, so one seed
// is one scenario and a run of seeds explores many mixes (calm networks, lossy ones, crash storms, ...).
import type { UnsafeTestingOptions } from '../config.ts';
import { ReadOnlyOption } from '../types.ts';
import type { Rng } from '../rng.ts';
import type { NetworkFaults } from './network.ts';
import type { RaftTuning, SnapshotPolicy } from './node.ts';

/**
 * default: a broad random mix. hostile: leadership churn, to prove the checkers fire on unsafe cores.
 * churn: membership churn — frequent conf changes, crashes and snapshots on top of the default mix.
 */
export type Profile = 'default' | 'hostile' | 'churn';

export interface FaultMix {
  profile: Profile;
  initialVoters: number;
  tickMs: number;
  /** Each node's tick period is tickMs plus up to this much, fixed per node (clock rate skew). */
  tickSkewMsMax: number;
  safetyPhaseMs: number;
  livenessPhaseMsMax: number;
  network: NetworkFaults;
  fsyncDelayMinMs: number;
  fsyncDelayMaxMs: number;
  /** Probability that each unsynced write survives a crash, tried in order until the first loss. */
  unsyncedSurvivalProbability: number;
  raft: RaftTuning;
  snapshots: SnapshotPolicy;
  /** Mean virtual ms between client requests. */
  proposalIntervalMs: number;
  /** Share of client requests that are linearizable reads (ReadIndex) rather than proposals. */
  readProbability: number;
  proposalTimeoutMs: number;
  /** Mean virtual ms between fault actions, and the relative weight of each action. */
  faultIntervalMs: number;
  weights: FaultWeights;
  restartDelayMinMs: number;
  restartDelayMaxMs: number;
  /** Node IDs ever created (initial ones included): bounds membership churn. */
  nodesMax: number;
  /** Probability that a crash or an isolation targets the current leader rather than a random node. */
  leaderBias: number;
  /**
   * Faults at the worst moments: probability that a node is cut off within a few ms of winning an election,
   * and of advancing its commit index as leader (so that its last words reach only some peers).
   */
  cutNewLeaderProbability: number;
  cutCommittingLeaderProbability: number;
}

export interface FaultWeights {
  crash: number;
  isolate: number;
  isolateOneWay: number;
  split: number;
  healOne: number;
  healAll: number;
  confChange: number;
  transferLeader: number;
}

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.int(xs.length)];
}

function between(rng: Rng, lo: number, hi: number): number {
  return lo + rng.int(hi - lo + 1);
}

/**
 * @param leaseReads serve reads from the leader lease (ReadOnlyOption.LeaseBased, with check-quorum) instead of
 *   ReadIndex rounds. Off by default: the lease outlives check-quorum's step-down by up to one more election
 *   timeout (as in etcd, etcd-io/raft#166), so a deposed leader can serve stale reads; see FINDINGS.md.
 */
export function drawFaultMix(rng: Rng, profile: Profile, unsafe: UnsafeTestingOptions, leaseReads = false): FaultMix {
  const hostile = profile === 'hostile';
  const lossy = rng.float() < 0.6;
  const delayMinMs = between(rng, 1, 4);
  const network: NetworkFaults = {
    lossProbability: lossy ? pick(rng, [0.01, 0.05, 0.1, 0.2]) : 0,
    duplicateProbability: rng.float() < 0.4 ? pick(rng, [0.01, 0.05, 0.1]) : 0,
    reorder: rng.float() < 0.5,
    delayMinMs,
    delayMaxMs: delayMinMs + pick(rng, [2, 10, 30, 60]),
  };
  const maxSizePerMsg = hostile ? 1 : pick(rng, [1, 64, 1024 * 1024]);
  const raft: RaftTuning = {
    electionTick: 10,
    heartbeatTick: pick(rng, [1, 2, 3]),
    preVote: hostile ? false : rng.float() < 0.7,
    checkQuorum: hostile ? rng.float() < 0.3 : rng.float() < 0.7,
    // 1 byte: one entry per append, which exposes commit rules entry by entry.
    maxSizePerMsg,
    // One entry per message and one message in flight is one entry per round trip: too slow to drain the
    // backlog of a busy seed within the liveness bound, and no more interesting than a window of 4.
    maxInflightMsgs: maxSizePerMsg === 1 ? pick(rng, [4, 256]) : pick(rng, [1, 4, 256]),
    readOnlyOption: ReadOnlyOption.Safe,
    // 64 bytes = 16 proposals of 4 data bytes: leaders cut off from their quorum soon refuse (flow control).
    maxUncommittedEntriesSize: hostile ? 0 : pick(rng, [0, 0, 64]),
    unsafe,
  };
  // The hostile mix churns leadership: cut off or crash the leader, heal in random order, again and again, so
  // that stale leaders with divergent tails meet (the histories of the Raft paper's figures 7 and 8).
  const weights: FaultWeights = hostile
    ? { crash: 3, isolate: 6, isolateOneWay: 1, split: 1, healOne: 5, healAll: 1, confChange: 0, transferLeader: 0 }
    : profile === 'churn'
    ? { crash: 3, isolate: 2, isolateOneWay: 1, split: 1, healOne: 3, healAll: 1, confChange: 8, transferLeader: 2 }
    : {
        crash: pick(rng, [0, 2, 4]),
        isolate: pick(rng, [0, 2, 4]),
        isolateOneWay: pick(rng, [0, 1, 2]),
        split: pick(rng, [0, 1, 2]),
        healOne: 3,
        healAll: 1,
        confChange: pick(rng, [0, 1, 3]),
        transferLeader: pick(rng, [0, 1, 2]),
      };
  const tickSkewMsMax = pick(rng, [0, 1, 3]);
  if (leaseReads) {
    raft.checkQuorum = true;
    raft.readOnlyOption = ReadOnlyOption.LeaseBased;
  }
  return {
    profile,
    initialVoters: hostile ? 3 : pick(rng, [3, 3, 5]),
    tickMs: 10,
    tickSkewMsMax,
    safetyPhaseMs: hostile ? between(rng, 4000, 5000) : between(rng, 1500, 2500),
    livenessPhaseMsMax: 10_000,
    network,
    fsyncDelayMinMs: 1,
    fsyncDelayMaxMs: pick(rng, [2, 5, 20]),
    unsyncedSurvivalProbability: pick(rng, [0, 0.5]),
    raft,
    snapshots: { everyEntries: profile === 'churn' ? pick(rng, [4, 8]) : pick(rng, [8, 20, 50]), keepEntries: pick(rng, [0, 2, 10]) },
    proposalIntervalMs: hostile ? 5 : pick(rng, [5, 15, 40]),
    readProbability: hostile ? 0 : pick(rng, [0, 0.2, 0.4]),
    proposalTimeoutMs: 1500,
    faultIntervalMs: hostile ? pick(rng, [30, 60]) : pick(rng, [50, 100, 200]),
    weights,
    restartDelayMinMs: 20,
    restartDelayMaxMs: hostile ? 200 : 500,
    nodesMax: profile === 'churn' ? 16 : 8,
    leaderBias: hostile ? 0.8 : pick(rng, [0, 0.3, 0.6]),
    cutNewLeaderProbability: hostile ? 0.5 : pick(rng, [0, 0, 0.1]),
    cutCommittingLeaderProbability: hostile ? 0.3 : pick(rng, [0, 0, 0.02]),
  };
}

export function describeFaultMix(m: FaultMix): string {
  const n = m.network;
  const w = m.weights;
  return (
    `voters=${m.initialVoters} safety=${m.safetyPhaseMs}ms loss=${n.lossProbability} dup=${n.duplicateProbability} ` +
    `reorder=${n.reorder} delay=${n.delayMinMs}-${n.delayMaxMs}ms fsync=${m.fsyncDelayMinMs}-${m.fsyncDelayMaxMs}ms ` +
    `hb=${m.raft.heartbeatTick} reads=${m.raft.readOnlyOption}/${m.readProbability} preVote=${m.raft.preVote} checkQuorum=${m.raft.checkQuorum} ` +
    `maxMsg=${m.raft.maxSizePerMsg} inflight=${m.raft.maxInflightMsgs} maxUncommitted=${m.raft.maxUncommittedEntriesSize} snapEvery=${m.snapshots.everyEntries} ` +
    `keep=${m.snapshots.keepEntries} propEvery=${m.proposalIntervalMs}ms faultEvery=${m.faultIntervalMs}ms ` +
    `w(crash=${w.crash} iso=${w.isolate} oneway=${w.isolateOneWay} split=${w.split} cc=${w.confChange} xfer=${w.transferLeader})`
  );
}
