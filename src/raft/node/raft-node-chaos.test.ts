// RaftNode under drops, duplicates, reordering, partitions, slow disks, crashes and membership changes that
// remove the leader (chaos-testing.ts): every member applies every committed index once, in order, and the
// members agree on each index. Seeds replay exactly; a failure names its seed.
import { describe, expect, it } from 'vitest';
import { runChaos } from './chaos-testing.ts';

const SEEDS = Array.from({ length: 12 }, (_, i) => i + 1);

describe('RaftNode under chaos', () => {
  it.each(SEEDS)('seed %i: no gap, no divergence, everyone caught up after healing', { timeout: 60_000 }, async (seed) => {
    const outcome = await runChaos(seed, 1_500);
    expect({ failures: outcome.failures, divergences: outcome.divergences.slice(0, 5), laggards: outcome.laggards }).toEqual({
      failures: [],
      divergences: [],
      laggards: [],
    });
    expect(outcome.appliedIndex).toBeGreaterThan(100);
  });

  it('exercises what it claims: leader removals, additions and crashes happen across the seeds', { timeout: 60_000 }, async () => {
    let changes = 0;
    let crashes = 0;
    for (const seed of [1, 2, 3]) {
      const o = await runChaos(seed, 1_500);
      changes += o.membershipChanges;
      crashes += o.crashes;
    }
    expect(changes).toBeGreaterThan(0);
    expect(crashes).toBeGreaterThan(0);
  });
});
