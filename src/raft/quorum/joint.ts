// A joint configuration: during a membership change decisions need a majority of the incoming voters AND of the
// outgoing voters. Outside a change, outgoing is empty and the joint rules reduce to the majority rules.
import type { NodeId } from '../types.ts';
import {
  describeMajority,
  majorityCommittedIndex,
  majorityVoteResult,
  VoteResult,
  type AckedIndexer,
  type MajorityConfig,
} from './majority.ts';

export interface JointConfig {
  incoming: MajorityConfig;
  outgoing: MajorityConfig;
}

export function jointIds(c: JointConfig): Set<NodeId> {
  return new Set([...c.incoming, ...c.outgoing]);
}

export function isJoint(c: JointConfig): boolean {
  return c.outgoing.size > 0;
}

export function jointCommittedIndex(c: JointConfig, acked: AckedIndexer): number {
  return Math.min(majorityCommittedIndex(c.incoming, acked), majorityCommittedIndex(c.outgoing, acked));
}

export function jointVoteResult(c: JointConfig, votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  const r1 = majorityVoteResult(c.incoming, votes);
  const r2 = majorityVoteResult(c.outgoing, votes);
  if (r1 === r2) return r1;
  if (r1 === VoteResult.Lost || r2 === VoteResult.Lost) return VoteResult.Lost;
  return VoteResult.Pending;
}

export function describeJoint(c: JointConfig): string {
  const incoming = describeMajority(c.incoming);
  return isJoint(c) ? `${incoming}&&${describeMajority(c.outgoing)}` : incoming;
}
