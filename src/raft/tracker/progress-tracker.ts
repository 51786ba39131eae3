// The leader's view of the cluster: the active configuration, per-node progress and, during elections, votes.
import {
  describeJoint,
  isJoint,
  jointCommittedIndex,
  jointIds,
  jointVoteResult,
  sortedIds,
  type JointConfig,
  VoteResult,
} from '../quorum/index.ts';
import type { ConfState, NodeId } from '../types.ts';
import { Progress } from './progress.ts';

export interface TrackerConfig {
  voters: JointConfig;
  /** Learners of the current config; never in either voter set. */
  learners: ReadonlySet<NodeId>;
  /**
   * Voters of the outgoing config that become learners when the joint config is left. They stay voters until
   * then, so they cannot be in `learners` meanwhile.
   */
  learnersNext: ReadonlySet<NodeId>;
  /** Leave the joint config automatically once it is committed (only meaningful while joint). */
  autoLeave: boolean;
}

export type ProgressMap = Map<NodeId, Progress>;

export function emptyTrackerConfig(): TrackerConfig {
  return { voters: { incoming: new Set(), outgoing: new Set() }, learners: new Set(), learnersNext: new Set(), autoLeave: false };
}

export function cloneTrackerConfig(c: TrackerConfig): TrackerConfig {
  return {
    voters: { incoming: new Set(c.voters.incoming), outgoing: new Set(c.voters.outgoing) },
    learners: new Set(c.learners),
    learnersNext: new Set(c.learnersNext),
    autoLeave: c.autoLeave,
  };
}

export function cloneProgressMap(m: ProgressMap): ProgressMap {
  const out: ProgressMap = new Map();
  for (const [id, pr] of m) out.set(id, pr.clone());
  return out;
}

export function confStateOf(c: TrackerConfig): ConfState {
  return {
    voters: sortedIds(c.voters.incoming),
    votersOutgoing: sortedIds(c.voters.outgoing),
    learners: sortedIds(c.learners),
    learnersNext: sortedIds(c.learnersNext),
    autoLeave: c.autoLeave,
  };
}

export function describeTrackerConfig(c: TrackerConfig): string {
  let s = `voters=${describeJoint(c.voters)}`;
  if (c.learners.size > 0) s += ` learners=(${sortedIds(c.learners).join(' ')})`;
  if (c.learnersNext.size > 0) s += ` learners_next=(${sortedIds(c.learnersNext).join(' ')})`;
  if (c.autoLeave) s += ' autoleave';
  return s;
}

export class ProgressTracker {
  config: TrackerConfig = emptyTrackerConfig();
  progress: ProgressMap = new Map();
  /** visit()'s order, sorted again only when the tracked ids change (a configuration change). */
  private visitOrder: NodeId[] = [];
  /** Votes received in the current election: true = granted. */
  private readonly votes = new Map<NodeId, boolean>();

  constructor(
    readonly maxInflight: number,
    readonly maxInflightBytes = 0,
  ) {}

  confState(): ConfState {
    return confStateOf(this.config);
  }

  isJoint(): boolean {
    return isJoint(this.config.voters);
  }

  /** Is `id` a voter in either half of the configuration? */
  isVoter(id: NodeId): boolean {
    return this.config.voters.incoming.has(id) || this.config.voters.outgoing.has(id);
  }

  /** Exactly one voter and not joint: that voter decides alone. */
  isSingleton(): boolean {
    return this.config.voters.incoming.size === 1 && this.config.voters.outgoing.size === 0;
  }

  /** The highest index replicated on a quorum of voters. */
  committed(): number {
    return jointCommittedIndex(this.config.voters, (id) => this.progress.get(id)?.match);
  }

  /**
   * Visits every tracked node in ascending id order, so that output is deterministic. The order is kept between
   * calls: visit runs for every proposal's broadcast.
   */
  visit(f: (id: NodeId, pr: Progress) => void): void {
    const map = this.progress;
    if (!this.visitOrderMatches()) this.visitOrder = sortedIds(map.keys());
    for (const id of this.visitOrder) f(id, map.get(id)!);
  }

  /** Whether the kept order still names exactly the tracked ids (the map may be replaced or changed in place). */
  private visitOrderMatches(): boolean {
    if (this.visitOrder.length !== this.progress.size) return false;
    for (const id of this.visitOrder) if (!this.progress.has(id)) return false;
    return true;
  }

  /** Whether a quorum of voters was recently active (check-quorum). */
  quorumActive(): boolean {
    const votes = new Map<NodeId, boolean>();
    for (const [id, pr] of this.progress) {
      if (!pr.isLearner) votes.set(id, pr.recentActive);
    }
    return jointVoteResult(this.config.voters, votes) === VoteResult.Won;
  }

  voterIds(): NodeId[] {
    return sortedIds(jointIds(this.config.voters));
  }

  learnerIds(): NodeId[] {
    return sortedIds(this.config.learners);
  }

  resetVotes(): void {
    this.votes.clear();
  }

  /** Records a vote; the first answer of a node in an election counts. */
  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  tallyVotes(): { granted: number; rejected: number; result: VoteResult } {
    let granted = 0;
    let rejected = 0;
    for (const [id, pr] of this.progress) {
      if (pr.isLearner) continue;
      const v = this.votes.get(id);
      if (v === undefined) continue;
      if (v) granted++;
      else rejected++;
    }
    return { granted, rejected, result: jointVoteResult(this.config.voters, this.votes) };
  }
}
