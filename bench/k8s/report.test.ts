import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cdfPoints, summarize } from '../lib/index.ts';
import { comparisonTable, writeReport } from './report.ts';
import { parseSettings, UsageError } from './settings.ts';
import type { StartupFigures } from './startup-stats.ts';
import type { StoreRun } from './store-run.ts';

/** Startup figures of these latencies, every pod Running and bound. */
function figures(latencies: Float64Array, scheduling: Partial<StartupFigures['scheduling']> = {}): StartupFigures {
  const pods = latencies.length;
  return {
    pods,
    running: pods,
    startup: summarize(latencies),
    watchStartup: summarize(latencies),
    startupCdf: cdfPoints(latencies),
    scheduling: { bound: pods, averagePodsPerSecond: 8, p50PodsPerSecond: 4, maxPodsPerSecond: 4, boundOverTime: [], ...scheduling },
  };
}

function run(store: 'barque' | 'etcd', scale: number): StoreRun {
  const startup = Float64Array.from([100, 200, 300, 400].map((v) => v * scale));
  const restStartup = Float64Array.from([50, 100, 150, 200].map((v) => v * scale));
  const latencyStartup = Float64Array.from([30, 60].map((v) => v * scale));
  return {
    store,
    pods: 4,
    allRunning: true,
    workloadMs: 2_000 * scale,
    startup: figures(startup, { averagePodsPerSecond: 8 / scale, boundOverTime: [{ seconds: 0, bound: 0 }, { seconds: 1, bound: 4 }] }),
    restStartup: store === 'etcd' ? null : figures(restStartup),
    api: [{ verb: 'POST', resource: 'configmaps', kind: 'mutating', errors: 0, latency: summarize(Float64Array.from([10 * scale])) }],
    latency: {
      pods: 2,
      allRunning: true,
      startup: figures(latencyStartup, { averagePodsPerSecond: 5, p50PodsPerSecond: 1, maxPodsPerSecond: 1 }),
      api: [{ verb: 'GET', resource: 'configmaps', kind: 'read-only', errors: 0, latency: summarize(Float64Array.from([3 * scale])) }],
    },
    usage: [
      { component: 'm0/apiserver', cpuSeconds: 1 * scale, peakRssMiB: 100 },
      { component: 'm1/apiserver', cpuSeconds: 2 * scale, peakRssMiB: 150 },
    ],
    drills: [{ drill: 'store leader', master: 0, recoveryMs: 1_500 * scale, note: '' }],
  };
}

describe('comparisonTable', () => {
  it('puts both stores side by side with barque/etcd, one row per role summed over masters', () => {
    const table = comparisonTable([run('barque', 2), run('etcd', 1)]);
    const row = (label: string): string[] => (table.split('\n').find((l) => l.startsWith(`| ${label}`)) ?? '').split('|').map((c) => c.trim());
    expect(table.split('\n')[0]).toMatch(/^\| measure +\| unit +\| +on barque \| +on etcd 3\.4 \| barque\/etcd \|$/);
    expect(row('pod startup p99, latency pods ').slice(3, 6)).toEqual(['120', '60', '2.00x']);
    expect(row('pod startup p99, saturation pods ').slice(3, 6)).toEqual(['800', '400', '2.00x']);
    // The REST observer of the etcd run missed some pods here: no figure, no ratio.
    expect(row('pod startup p99, saturation pods, REST watch observer').slice(3, 6)).toEqual(['400', '-', '-']);
    expect(row('CPU apiserver').slice(3, 6)).toEqual(['6', '3', '2.00x']);
    expect(row('peak RSS apiserver').slice(3, 6)).toEqual(['150', '150', '1.00x']);
    expect(row('API POST configmaps p99 (mutating, saturation)').slice(3, 6)).toEqual(['20', '10', '2.00x']);
    expect(row('API GET configmaps p99 (read-only, latency pods)').slice(3, 6)).toEqual(['6', '3', '2.00x']);
    expect(row('failover: store leader').slice(3, 6)).toEqual(['3,000', '1,500', '2.00x']);
  });

  it('has no ratio column with one store', () => {
    expect(comparisonTable([run('barque', 1)]).split('\n')[0]).not.toContain('barque/etcd');
  });

  it('leaves the latency pods rows empty for a run without them', () => {
    const table = comparisonTable([run('barque', 2), { ...run('etcd', 1), latency: null }]);
    const cells = (table.split('\n').find((l) => l.startsWith('| pod startup p99, latency pods ')) ?? '').split('|').map((c) => c.trim());
    expect(cells.slice(3, 6)).toEqual(['120', '-', '-']);
  });
});

describe('writeReport', () => {
  it('writes results.json, report.md and both charts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-k8s-report-'));
    try {
      writeReport({ command: 'barque bench k8s --quick', startedAt: '2026-11-23T10:00:00.000Z', loadAverage: [1, 2, 3], runs: [run('barque', 1)] }, dir);
      expect(JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')).runs[0].store).toBe('barque');
      expect(readFileSync(join(dir, 'report.md'), 'utf8')).toContain('Command: `barque bench k8s --quick`');
      for (const svg of ['startup-cdf.svg', 'pods-bound.svg']) expect(readFileSync(join(dir, svg), 'utf8')).toMatch(/^<svg [^]*<\/svg>\n$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('parseSettings', () => {
  it('defaults to the issue’s density run and shrinks with --quick', () => {
    expect(parseSettings([])).toMatchObject({ stores: ['barque', 'etcd'], masters: 3, hollowNodes: 100, deployments: 30, replicas: 100, latencyPods: 500, latencyRate: 5, drills: true });
    expect(parseSettings(['--quick', '--stores', 'etcd', '--no-drills'])).toMatchObject({ stores: ['etcd'], hollowNodes: 10, deployments: 3, replicas: 10, latencyPods: 10, drills: false });
    expect(parseSettings(['--latency-pods', '0'])).toMatchObject({ latencyPods: 0 });
  });

  it('rejects unknown stores and bad counts', () => {
    expect(() => parseSettings(['--stores', 'zk'])).toThrow(UsageError);
    expect(() => parseSettings(['--replicas', '0'])).toThrow('--replicas must be an integer ≥ 1, got "0"');
    expect(() => parseSettings(['--latency-rate', '0'])).toThrow('--latency-rate must be an integer ≥ 1, got "0"');
  });
});
