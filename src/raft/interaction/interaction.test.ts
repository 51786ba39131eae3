// Runs every golden script in src/raft/testdata and diffs its output. `REWRITE=1 npx vitest run
// src/raft/interaction` re-records the expected output; review every changed line before keeping it.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScript } from './runner.ts';

const TESTDATA = join(import.meta.dirname, '..', 'testdata');
const rewrite = process.env.REWRITE === '1';

const scripts = readdirSync(TESTDATA)
  .filter((f) => f.endsWith('.txt'))
  .sort();

describe('raft interaction scripts', () => {
  it('finds scripts', () => {
    expect(scripts.length).toBeGreaterThan(0);
  });

  for (const file of scripts) {
    it(file, () => {
      const path = join(TESTDATA, file);
      const expected = readFileSync(path, 'utf8');
      const run = runScript(expected, file);
      if (rewrite && run.actual !== expected) writeFileSync(path, run.actual);
      expect(run.panic, 'the core panicked').toBeUndefined();
      if (!rewrite) expect(run.actual).toBe(expected);
    });
  }
});
