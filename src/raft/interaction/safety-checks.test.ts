// The harness checks Raft's safety properties on every Ready, whatever a golden file says. These tests switch
// a safety rule off in the core and expect the harness to catch the violation.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScript } from './runner.ts';

const TESTDATA = join(import.meta.dirname, '..', 'testdata');

describe('interaction harness safety checks', () => {
  it('catches a lost committed entry when earlier-term entries commit by counting (figure 8)', () => {
    const script = readFileSync(join(TESTDATA, 'figure8-no-commit-by-counting.txt'), 'utf8').replace(
      'add-nodes 5 voters=(1,2,3,4,5) index=1 max-msg-size=1',
      'add-nodes 5 voters=(1,2,3,4,5) index=1 max-msg-size=1 unsafe-commit-by-count=true',
    );
    const run = runScript(script, 'figure8-unsafe');
    // Leader Completeness breaks first: node 5 wins without entry 1/3, which node 1 applied.
    expect(run.panic).toMatch(/SafetyViolation: new leader 5 has 2\/3 EntryNormal "" at 3; node 1 applied 1\/3 EntryNormal "a"/);
  });

  it('catches a lost committed entry when votes go to candidates with stale logs', () => {
    const script = readFileSync(join(TESTDATA, 'no-prevote-disruption.txt'), 'utf8').replace(
      'add-nodes 3 voters=(1,2,3) index=1 prevote=false checkquorum=false',
      'add-nodes 3 voters=(1,2,3) index=1 prevote=false checkquorum=false unsafe-stale-votes=true',
    );
    const run = runScript(script, 'stale-votes-unsafe');
    expect(run.panic).toMatch(/SafetyViolation: new leader 3 has 4\/3 EntryNormal "" at 3; node 1 applied 1\/3/);
  });

  it('passes the same script with the rule on', () => {
    const script = readFileSync(join(TESTDATA, 'figure8-no-commit-by-counting.txt'), 'utf8');
    expect(runScript(script, 'figure8').panic).toBeUndefined();
  });
});
