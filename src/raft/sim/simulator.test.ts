// The simulator as a whole: replays are exact, and the checkers do catch a core with a safety rule switched off.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { UnsafeTestingOptions } from '../config.ts';
import { outcomeLines } from './report.ts';
import { runSeed } from './simulator.ts';

describe('determinism', () => {
  it('the same seed gives the same trace and outcome, line for line', () => {
    for (const seed of [3, 41]) {
      const a = runSeed({ seed, traceFull: true });
      const b = runSeed({ seed, traceFull: true });
      expect(a.trace.length).toBeGreaterThan(100);
      expect(b.trace).toEqual(a.trace);
      expect(outcomeLines(b)).toEqual(outcomeLines(a));
    }
  });

  it('the CLI prints byte-identical output for the same seed', () => {
    const run = () => execFileSync('node_modules/.bin/tsx', ['src/raft/sim/cli.ts', '--seed', '7', '--trace'], { encoding: 'utf8' });
    const first = run();
    expect(first.split('\n').length).toBeGreaterThan(100);
    expect(run()).toBe(first);
  });

  it('different seeds give different runs', () => {
    expect(runSeed({ seed: 1, traceFull: true }).trace).not.toEqual(runSeed({ seed: 2, traceFull: true }).trace);
  });
});

/** Seeds tried before giving up: the hostile mix must find the bug well within this. */
const UNSAFE_SEEDS_MAX = 200;
const SAFETY_KINDS = ['election-safety', 'log-matching', 'leader-completeness', 'state-machine-safety', 'durability', 'lost-acknowledged-write'];

function firstViolation(
  unsafe: UnsafeTestingOptions,
  brokenDisks = false,
): { seed: number; kind: string; description: string } | undefined {
  for (let seed = 0; seed < UNSAFE_SEEDS_MAX; seed++) {
    const r = runSeed({ seed, unsafe, profile: 'hostile', brokenDisks });
    const v = r.violation;
    if (v !== undefined && SAFETY_KINDS.includes(v.kind)) return { seed, kind: v.kind, description: v.description };
  }
  return undefined;
}

describe('the checkers can fail', () => {
  it('a core that grants votes to stale logs is caught', () => {
    const v = firstViolation({ grantVotesToStaleLogs: true });
    expect(v, 'no violation found').toBeDefined();
    expect(SAFETY_KINDS).toContain(v!.kind);
  });

  it('a core that commits earlier-term entries by counting replicas is caught', () => {
    const v = firstViolation({ commitPreviousTermByCount: true });
    expect(v, 'no violation found').toBeDefined();
    expect(SAFETY_KINDS).toContain(v!.kind);
  });

  it('disks whose fsync lies are caught (acknowledged writes lost across crashes)', () => {
    const v = firstViolation({}, true);
    expect(v, 'no violation found').toBeDefined();
    expect(SAFETY_KINDS).toContain(v!.kind);
  });

  it('the hostile mix alone, with every safety rule on, finds nothing', () => {
    for (let seed = 0; seed < 30; seed++) {
      const r = runSeed({ seed, profile: 'hostile' });
      expect(r.violation, `seed ${seed}`).toBeUndefined();
      expect(r.converged, `seed ${seed}`).toBe(true);
    }
  });
});

describe('membership churn', () => {
  it('the churn mix (frequent conf changes, crashes, snapshots) passes and changes membership', () => {
    let confChanges = 0;
    for (let seed = 0; seed < 30; seed++) {
      const r = runSeed({ seed, profile: 'churn' });
      expect(r.violation, `seed ${seed}`).toBeUndefined();
      expect(r.converged, `seed ${seed}`).toBe(true);
      confChanges += r.stats.confChanges;
    }
    expect(confChanges).toBeGreaterThan(30);
  });
});
