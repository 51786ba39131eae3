// Histories recorded from a sequential store under random concurrency are linearizable by construction; one
// read changed to a value nobody wrote makes them not.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkKvHistory } from './kv-check.ts';
import type { RevisionCheck } from './kv-model.ts';
import type { KvOperation } from './kv-types.ts';
import { simulateKvHistory } from './test-helpers.ts';

const scenario = fc.record({
  seed: fc.nat(),
  clients: fc.integer({ min: 1, max: 5 }),
  keys: fc.integer({ min: 1, max: 3 }),
  operations: fc.integer({ min: 1, max: 80 }),
  unknownRate: fc.constantFrom<number>(0, 0.05, 0.15),
  leases: fc.boolean(),
  revisions: fc.constantFrom<RevisionCheck>('off', 'monotonic', 'exact'),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function simulate(s: Scenario): KvOperation[] {
  return simulateKvHistory({ ...s, revisions: s.revisions !== 'off' });
}

describe('KV linearizability (property)', () => {
  it('accepts every history of the sequential simulation', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const result = checkKvHistory(simulate(s), { revisions: s.revisions, initialRevision: 1 });
        expect(result.verdict, result.text).toBe('ok');
      }),
      { numRuns: 150, seed: 20261123 },
    );
  });

  it('rejects it once one read returns a value never written', () => {
    fc.assert(
      fc.property(scenario, fc.nat(), (s, pick) => {
        const history = simulate(s);
        const reads = history.flatMap((op, i) => (op.input.type === 'get' && op.output?.value !== undefined ? [i] : []));
        fc.pre(reads.length > 0);
        const target = reads[pick % reads.length];
        const mutated = history.map((op, i) => (i === target ? { ...op, output: { ...op.output, value: 'never-written' } } : op));
        const result = checkKvHistory(mutated, { revisions: s.revisions, initialRevision: 1 });
        expect(result.verdict).toBe('illegal');
        expect(result.text).toContain('"never-written"');
      }),
      { numRuns: 150, seed: 20261124 },
    );
  });

  it('rejects it once one read returns a value overwritten before the read began (found by the search)', () => {
    fc.assert(
      fc.property(scenario, fc.nat(), (s, pick) => {
        const history = simulate({ ...s, unknownRate: Math.min(s.unknownRate, 0.05) });
        const stale = staleValues(history);
        fc.pre(stale.length > 0);
        const [target, value] = stale[pick % stale.length];
        const mutated = history.map((op, i) => (i === target ? { ...op, output: { ...op.output, value } } : op));
        const result = checkKvHistory(mutated, { revisions: s.revisions, initialRevision: 1, budget: { maxSteps: 2_000_000 } });
        expect(result.phantomReads).toEqual([]);
        expect(result.verdict).toBe('illegal');
      }),
      { numRuns: 100, seed: 20261125 },
    );
  });
});

/** Completed gets paired with a value of a plain put that was overwritten by another before the get's call. */
function staleValues(history: readonly KvOperation[]): Array<[number, string]> {
  const puts = history.filter((op) => op.input.type === 'put' && op.output !== undefined && op.output.error === undefined && op.return !== undefined);
  const found: Array<[number, string]> = [];
  history.forEach((op, i) => {
    if (op.input.type !== 'get' || op.output?.value === undefined || op.return === undefined) return;
    const key = op.input.key;
    const sameKey = puts.filter((p) => (p.input as { key: string }).key === key);
    for (const old of sameKey) {
      const overwritten = sameKey.some((newer) => newer !== old && newer.call > old.return! && newer.return! < op.call);
      if (overwritten) found.push([i, (old.input as { value: string }).value]);
    }
  });
  return found;
}
