// Runs a range of seeds for the tests: one failure report per failing seed (empty when all pass), and the summed
// counters, so a test can also check that the faults and features were exercised at all.
import { failureLine } from './report.ts';
import { runSeed, type SimStats } from './simulator.ts';

export interface SeedRangeOutcome {
  failures: string[];
  totals: SimStats;
}

export function runSeedRange(start: number, count: number): SeedRangeOutcome {
  const failures: string[] = [];
  const totals: SimStats = {
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
  for (let seed = start; seed < start + count; seed++) {
    const r = runSeed({ seed });
    if (!r.ok) failures.push(`${failureLine(r)}\n    ${r.trace.slice(-15).join('\n    ')}`);
    for (const key of Object.keys(totals) as (keyof SimStats)[]) totals[key] += r.stats[key];
  }
  return { failures, totals };
}
