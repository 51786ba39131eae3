// Quorum arithmetic: who must agree for an index to commit or an election to be won.
export {
  VoteResult,
  majorityCommittedIndex,
  majorityVoteResult,
  sortedIds,
  describeMajority,
  type AckedIndexer,
  type MajorityConfig,
} from './majority.ts';
export { jointCommittedIndex, jointVoteResult, jointIds, isJoint, describeJoint, type JointConfig } from './joint.ts';
