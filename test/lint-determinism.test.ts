// The determinism rule is a promise of the project: the Raft core, the simulator and the MVCC core never read
// the clock or ambient randomness. This test proves the lint step rejects each way of doing so.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function ruleIdsFor(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.map((m) => m.ruleId ?? `fatal: ${m.message}`);
}

const forbidden: Array<[string, string]> = [
  ['Date.now()', 'export const t = Date.now();'],
  ['new Date()', 'export const t = new Date();'],
  ['Math.random()', 'export const r = Math.random();'],
  ['setTimeout', 'setTimeout(() => {}, 10);'],
  ['setInterval', 'setInterval(() => {}, 10);'],
  ['setImmediate', 'setImmediate(() => {});'],
  ['performance.now()', 'export const t = performance.now();'],
  ['process.hrtime', 'export const t = process.hrtime.bigint();'],
  ['node:crypto', "import { randomBytes } from 'node:crypto';\nexport const b = randomBytes(4);"],
  ['node:timers/promises', "import { setTimeout as sleep } from 'node:timers/promises';\nexport const s = sleep;"],
];

describe('lint: no ambient time or randomness in the deterministic cores', () => {
  for (const file of ['src/raft/raft-fixture.ts', 'src/raft/sim/sim-fixture.ts', 'src/store/mvcc/mvcc-fixture.ts']) {
    for (const [what, code] of forbidden) {
      it(`rejects ${what} in ${file}`, async () => {
        const ids = await ruleIdsFor(code, file);
        expect(ids.some((id) => id.startsWith('no-restricted-'))).toBe(true);
      });
    }
  }

  it('allows real time in the node driver, which owns the real clock', async () => {
    const ids = await ruleIdsFor('export const t = Date.now();\nsetTimeout(() => {}, 1);', 'src/raft/node/clock-fixture.ts');
    expect(ids.filter((id) => id.startsWith('no-restricted-'))).toEqual([]);
  });

  it('accepts injected time and randomness in the core', async () => {
    const code = `export function elapsed(clock: { now(): number }, rng: { int(n: number): number }): number {
  return clock.now() + rng.int(10);
}
`;
    expect(await ruleIdsFor(code, 'src/raft/raft-fixture.ts')).toEqual([]);
  });
});
