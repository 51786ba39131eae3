import { describe, expect, it } from 'vitest';
import { charts, comparisonTable, markdownReport, slug, type BenchReport } from './report.ts';
import type { WorkloadResult } from './workloads/types.ts';

function row(target: 'etcd' | 'barque', workload: string, clients: number, throughput: number): WorkloadResult {
  return {
    workload,
    group: workload.startsWith('put') ? 'put' : 'range',
    target,
    clients,
    unit: 'ops/s',
    throughput,
    ops: 100,
    errors: 0,
    seconds: 1,
    latency: { count: 100, meanMs: 2, p50Ms: 1, p90Ms: 2, p99Ms: 3, maxMs: 4 },
    cdf: [
      { latencyMs: 1, fraction: 0.5 },
      { latencyMs: 4, fraction: 1 },
    ],
    client: 'test client',
    notes: {},
  };
}

const report: BenchReport = {
  meta: {
    command: 'barque bench kv --quick',
    startedAt: '2026-11-23T00:00:00Z',
    finishedAt: '2026-11-23T00:01:00Z',
    machine: '2 x test CPU',
    node: 'v20',
    loadAverageStart: [1, 2, 3],
    loadAverageEnd: [1, 2, 3],
    members: 3,
    targets: ['barque', 'etcd'],
    settings: {},
    unavailable: {},
  },
  results: [row('etcd', 'put c=1', 1, 1000), row('barque', 'put c=1', 1, 500), row('barque', 'put c=16', 16, 3000), row('etcd', 'put c=16', 16, 2000)],
  memory: [
    { target: 'etcd', perMemberKiB: [100 * 1024, 110 * 1024] },
    { target: 'barque', perMemberKiB: [220 * 1024, null] },
  ],
};

describe('bench kv report', () => {
  it('puts etcd first, barque second and the ratio barque/etcd in one table', () => {
    const table = comparisonTable(report);
    const lines = table.trim().split('\n');
    expect(lines[0]).toMatch(/\| workload +\| clients \| unit +\| +etcd \| barque \| barque\/etcd \|/);
    expect(lines.find((l) => l.startsWith('| put c=1 '))).toMatch(/\| +1,000 \| +500 \| +0\.50x \|/);
    expect(lines.find((l) => l.startsWith('| put c=16 '))).toMatch(/\| +2,000 \| +3,000 \| +1\.50x \|/);
    expect(lines.find((l) => l.startsWith('| peak RSS'))).toMatch(/\| +110 \| +220 \| +2\.00x \|/);
  });

  it('writes a Markdown report and a chart per workload plus the throughput charts', () => {
    const files = charts(report);
    expect(files.map((f) => f.name)).toEqual(['put-throughput-vs-clients.svg', 'put-p99-vs-clients.svg', 'cdf-put-c-1.svg', 'cdf-put-c-16.svg']);
    const md = markdownReport(report, files.map((f) => f.name));
    expect(md).toContain('Command: `barque bench kv --quick`');
    expect(md).toContain('![cdf-put-c-1.svg](cdf-put-c-1.svg)');
    expect(md).toContain('- test client');
  });

  it('slugs workload names for file names', () => {
    expect(slug('etcdctl check perf --load=s')).toBe('etcdctl-check-perf-load-s');
  });
});

describe('startFailureSummary', () => {
  it('prefers the member\'s own complaint', async () => {
    const { startFailureSummary } = await import('./harness.ts');
    const message = 'barque member b-1 exited before becoming healthy\ncommand: x\n--- log tail ---\n{"level":50}\nbarque etcd: not yet supported\n';
    expect(startFailureSummary(message)).toBe('barque member b-1 exited before becoming healthy: barque etcd: not yet supported');
    expect(startFailureSummary('just this\nand more')).toBe('just this');
  });
});
