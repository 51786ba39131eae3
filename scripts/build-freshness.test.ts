import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isBuildFresh, newestMtimeMs, STAMP } from './build-freshness.mjs';
import { BARQUE_BIN } from '../src/common/repo-root.ts';

const T0 = new Date('2026-01-01T00:00:00Z');
const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1_000);

describe('isBuildFresh', () => {
  let root: string;

  /** Sets a file's or folder's modification time. */
  const touch = (relative: string, when: Date): void => utimesSync(join(root, relative), when, when);

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'barque-build-'));
    for (const dir of ['src/cli', 'bench/kv', 'build']) mkdirSync(join(root, dir), { recursive: true });
    for (const file of ['src/cli/main.ts', 'bench/kv/main.ts', 'tsconfig.json']) writeFileSync(join(root, file), '');
    writeFileSync(join(root, STAMP), '');
    for (const path of ['src/cli/main.ts', 'src/cli', 'src', 'bench/kv/main.ts', 'bench/kv', 'bench', 'tsconfig.json']) touch(path, at(0));
    touch(STAMP, at(10));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('takes a build stamped after every source', () => {
    expect(newestMtimeMs(root)).toBe(at(0).getTime());
    expect(isBuildFresh(root)).toBe(true);
  });

  it('refuses a build without a stamp (never finished, or failed)', () => {
    rmSync(join(root, STAMP));
    expect(isBuildFresh(root)).toBe(false);
  });

  it('refuses it once a source is edited after the build started', () => {
    touch('src/cli/main.ts', at(11));
    expect(isBuildFresh(root)).toBe(false);
  });

  it('refuses it once a source file is added or removed (its folder changes)', () => {
    touch('bench/kv', at(11));
    expect(isBuildFresh(root)).toBe(false);
  });

  it('refuses it when the compiler settings change', () => {
    touch('tsconfig.json', at(11));
    expect(isBuildFresh(root)).toBe(false);
  });

  it('ignores bench results written after the build', () => {
    mkdirSync(join(root, 'bench/results/run-1'), { recursive: true });
    writeFileSync(join(root, 'bench/results/run-1/results.json'), '{}');
    touch('bench', at(0)); // the bench writes into results/ only, which leaves bench/ itself alone once it exists
    expect(isBuildFresh(root)).toBe(true);
  });
});

describe('bin/barque', () => {
  const run = promisify(execFile);

  it('answers the same from the sources as from whatever build it picks', async () => {
    const fromSource = await run(process.execPath, [BARQUE_BIN, 'etcd', '--version'], { env: { ...process.env, BARQUE_FROM_SOURCE: '1' } });
    const picked = await run(process.execPath, [BARQUE_BIN, 'etcd', '--version']);
    expect(fromSource.stdout).toMatch(/^etcd Version: 3\.4\.23\n/);
    expect(picked.stdout).toBe(fromSource.stdout);
  });
});
