// Smoke run of the whole harness against a real single-member etcd 3.4 (multi-process, a few seconds): every
// workload row is present with finite numbers, and the results folder holds JSON, Markdown and SVG. Timing
// values are never asserted.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Progress } from '../lib/index.ts';
import { buildWorkloads, runHarness } from './harness.ts';
import type { BenchReport } from './report.ts';
import { parseRunOptions } from './settings.ts';

const outDir = mkdtempSync(join(tmpdir(), 'barque-bench-kv-smoke-'));

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('barque bench kv --quick against real etcd (process)', () => {
  it('runs every workload and writes every output', async () => {
    const argv = ['--quick', '--targets', 'etcd', '--members', '1', '--duration', '300ms', '--warmup', '100ms', '--check-perf', 'none', '--watchers', '3', '--read-clients', '4'];
    const options = parseRunOptions(argv);
    const silent = new Progress({ write: () => true } as unknown as NodeJS.WriteStream, false);
    const { report } = await runHarness(options, `barque bench kv ${argv.join(' ')}`, outDir, silent);

    expect(report.meta.unavailable).toEqual({});
    expect(report.meta.targets).toEqual(['etcd']);
    const expected = buildWorkloads(options).map((w) => w.id);
    expect(report.results.map((r) => r.workload)).toEqual(expected);
    for (const r of report.results) {
      expect(r.target).toBe('etcd');
      expect(r.errors, `${r.workload}: ${String(r.notes.firstErrors)}`).toBe(0);
      expect(r.ops).toBeGreaterThan(0);
      for (const v of [r.throughput, r.seconds, r.latency?.p50Ms, r.latency?.p90Ms, r.latency?.p99Ms, r.latency?.maxMs]) {
        expect(Number.isFinite(v)).toBe(true);
      }
      expect(r.cdf.length).toBeGreaterThan(0);
    }
    expect(report.memory).toHaveLength(1);
    expect(report.memory[0].perMemberKiB[0]).toBeGreaterThan(0);

    const files = readdirSync(outDir);
    expect(files).toEqual(expect.arrayContaining(['results.json', 'report.md', 'put-throughput-vs-clients.svg', 'cdf-put-c-1.svg']));
    const json = JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8')) as BenchReport;
    expect(json.results).toHaveLength(expected.length);
    const markdown = readFileSync(join(outDir, 'report.md'), 'utf8');
    for (const id of expected) expect(markdown).toContain(`| ${id}`);
    expect(markdown).toContain('peak RSS');
    expect(existsSync(join(outDir, 'profiles'))).toBe(false);
  });
});
