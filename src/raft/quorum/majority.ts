// A majority configuration: a set of voters, any strict majority of which decides.
import type { NodeId } from '../types.ts';

export type MajorityConfig = ReadonlySet<NodeId>;

export enum VoteResult {
  Pending = 'VotePending',
  Lost = 'VoteLost',
  Won = 'VoteWon',
}

/** Returns the acknowledged index of a voter, or undefined when it has acknowledged nothing yet. */
export type AckedIndexer = (id: NodeId) => number | undefined;

/**
 * The highest index acknowledged by a majority. An empty configuration returns Infinity, so that in a joint
 * configuration an empty half never holds the other back.
 */
export function majorityCommittedIndex(voters: MajorityConfig, acked: AckedIndexer): number {
  const n = voters.size;
  if (n === 0) return Infinity;
  // Insertion sort, descending, into one reused array: this runs for every append response and proposal, and
  // Array.prototype.sort allocated a work array each time (a sixth of a busy leader's allocations).
  const indexes = committedScratch;
  let k = 0;
  for (const id of voters) {
    const v = acked(id) ?? 0;
    let i = k++;
    while (i > 0 && indexes[i - 1] < v) {
      indexes[i] = indexes[i - 1];
      i--;
    }
    indexes[i] = v;
  }
  // With indexes sorted descending, the (n/2+1)-th largest is held by a majority.
  return indexes[Math.floor(n / 2)];
}

/** majorityCommittedIndex's work array; only its first `voters.size` slots mean anything during a call. */
const committedScratch: number[] = [];

/** Outcome of an election given the votes so far (true = granted); missing voters are still pending. */
export function majorityVoteResult(voters: MajorityConfig, votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  if (voters.size === 0) return VoteResult.Won;
  let granted = 0;
  let missing = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === undefined) missing++;
    else if (v) granted++;
  }
  const quorum = Math.floor(voters.size / 2) + 1;
  if (granted >= quorum) return VoteResult.Won;
  if (granted + missing >= quorum) return VoteResult.Pending;
  return VoteResult.Lost;
}

export function sortedIds(ids: Iterable<NodeId>): NodeId[] {
  return [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function describeMajority(voters: MajorityConfig): string {
  return `(${sortedIds(voters).join(' ')})`;
}
