// The k8s bench's results: results.json, report.md (one side-by-side table: each store and barque/etcd) and SVG
// charts (pod startup latency CDF, pods bound over time).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lineChartSvg, markdownTable, type Cell } from '../lib/index.ts';
import type { ProbeCall } from './api-probe.ts';
import type { LatencyRun, StoreRun } from './store-run.ts';

export interface K8sReport {
  command: string;
  startedAt: string;
  loadAverage: number[];
  runs: StoreRun[];
}

interface Row {
  label: string;
  unit: string;
  value(run: StoreRun): number | null;
}

const ms = (v: number): number | null => (Number.isFinite(v) ? v : null);

function rows(runs: readonly StoreRun[]): Row[] {
  const latency = (pick: (l: LatencyRun) => number) => (r: StoreRun) => (r.latency === null ? null : ms(pick(r.latency)));
  const out: Row[] = [
    { label: 'latency pods Running', unit: 'pods', value: latency((l) => l.startup.running) },
    { label: 'pod startup p50, latency pods (SLO: creation → Running)', unit: 'ms', value: latency((l) => l.startup.startup.p50Ms) },
    { label: 'pod startup p90, latency pods', unit: 'ms', value: latency((l) => l.startup.startup.p90Ms) },
    { label: 'pod startup p99, latency pods', unit: 'ms', value: latency((l) => l.startup.startup.p99Ms) },
    { label: 'saturation pods Running', unit: 'pods', value: (r) => r.startup.running },
    { label: 'pod startup p50, saturation pods', unit: 'ms', value: (r) => ms(r.startup.startup.p50Ms) },
    { label: 'pod startup p90, saturation pods', unit: 'ms', value: (r) => ms(r.startup.startup.p90Ms) },
    { label: 'pod startup p99, saturation pods', unit: 'ms', value: (r) => ms(r.startup.startup.p99Ms) },
    { label: 'pod startup p99, saturation pods, watch-observed creation', unit: 'ms', value: (r) => ms(r.startup.watchStartup.p99Ms) },
    { label: 'pod startup p99, saturation pods, REST watch observer', unit: 'ms', value: (r) => (r.restStartup === null ? null : ms(r.restStartup.startup.p99Ms)) },
    { label: 'scheduling throughput, average', unit: 'pods/s', value: (r) => ms(r.startup.scheduling.averagePodsPerSecond) },
    { label: 'scheduling throughput, best second', unit: 'pods/s', value: (r) => ms(r.startup.scheduling.maxPodsPerSecond) },
    { label: 'saturation: create → all Running', unit: 's', value: (r) => r.workloadMs / 1000 },
  ];
  const probeRows = (phase: string, callsOf: (r: StoreRun) => readonly ProbeCall[] | null): void => {
    const calls = new Map<string, string>();
    for (const r of runs) for (const c of callsOf(r) ?? []) calls.set(`${c.verb} ${c.resource}`, c.kind);
    for (const [call, kind] of calls) {
      out.push({
        label: `API ${call} p99 (${kind}, ${phase})`,
        unit: 'ms',
        value: (r) => {
          const found = callsOf(r)?.find((c) => `${c.verb} ${c.resource}` === call);
          return found === undefined ? null : ms(found.latency.p99Ms);
        },
      });
    }
  };
  probeRows('saturation', (r) => r.api);
  probeRows('latency pods', (r) => r.latency?.api ?? null);
  const components = new Map<string, true>();
  for (const r of runs) for (const u of r.usage) components.set(roleOf(u.component), true);
  for (const role of components.keys()) {
    out.push({ label: `CPU ${role} (sum over processes)`, unit: 's', value: (r) => sumOf(r, role, 'cpuSeconds') });
    out.push({ label: `peak RSS ${role} (largest process)`, unit: 'MiB', value: (r) => maxOf(r, role) });
  }
  const drills = new Set(runs.flatMap((r) => r.drills.map((d) => d.drill)));
  for (const d of drills) out.push({ label: `failover: ${d}`, unit: 'ms', value: (r) => r.drills.find((x) => x.drill === d)?.recoveryMs ?? null });
  return out;
}

/** "m1/apiserver" → "apiserver": one row per role over the masters. */
function roleOf(component: string): string {
  return component.replace(/^m\d+\//, '');
}

function sumOf(run: StoreRun, role: string, field: 'cpuSeconds'): number | null {
  const values = run.usage.filter((u) => roleOf(u.component) === role).map((u) => u[field]);
  return values.some((v) => v !== null) ? values.reduce<number>((a, v) => a + (v ?? 0), 0) : null;
}

function maxOf(run: StoreRun, role: string): number | null {
  const values = run.usage.filter((u) => roleOf(u.component) === role).flatMap((u) => (u.peakRssMiB === null ? [] : [u.peakRssMiB]));
  return values.length === 0 ? null : Math.max(...values);
}

export function comparisonTable(runs: readonly StoreRun[]): string {
  const barque = runs.find((r) => r.store === 'barque');
  const etcd = runs.find((r) => r.store === 'etcd');
  const ratio = barque !== undefined && etcd !== undefined;
  const columns = [{ title: 'measure' }, { title: 'unit' }, ...runs.map((r) => ({ title: r.store === 'etcd' ? 'on etcd 3.4' : 'on barque', align: 'right' as const })), ...(ratio ? [{ title: 'barque/etcd', align: 'right' as const }] : [])];
  const body = rows(runs).map((row): Cell[] => {
    const cells: Cell[] = [row.label, row.unit, ...runs.map((r) => row.value(r))];
    if (ratio) {
      const b = row.value(barque);
      const e = row.value(etcd);
      cells.push(b !== null && e !== null && e !== 0 ? `${(b / e).toFixed(2)}x` : null);
    }
    return cells;
  });
  return markdownTable(columns, body);
}

export function writeReport(report: K8sReport, outDir: string): void {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'results.json'), `${JSON.stringify(report, null, 2)}\n`);
  const lines = [
    '# barque bench k8s',
    '',
    `Command: \`${report.command}\``,
    `Started ${report.startedAt}; load average at start ${report.loadAverage.map((l) => l.toFixed(1)).join(' ')}.`,
    'Pod startup: creationTimestamp → pod observed Running through a watch; the SLO is checked on the latency pods, created one at a time at a steady rate once the saturation pods run (as upstream’s density test does); the saturation pods, created all at once, mostly measure queueing. API latency: client-side, a probe load through the agents’ gRPC client, in each phase. CPU: seconds used during the saturation phase; RSS: VmHWM.',
    '',
    comparisonTable(report.runs),
    '![pod startup latency CDF](startup-cdf.svg)',
    '',
    '![pods bound over time](pods-bound.svg)',
    '',
  ];
  writeFileSync(join(outDir, 'report.md'), lines.join('\n'));
  writeFileSync(
    join(outDir, 'startup-cdf.svg'),
    lineChartSvg({
      title: 'Pod startup latency (creation → Running observed)',
      xLabel: 'latency (ms)',
      yLabel: 'fraction of pods',
      xScale: 'log',
      series: report.runs.flatMap((r) => [
        ...(r.latency === null ? [] : [{ name: `${r.store}, latency pods`, points: r.latency.startup.startupCdf.map((p) => ({ x: p.latencyMs, y: p.fraction })) }]),
        { name: `${r.store}, saturation pods`, points: r.startup.startupCdf.map((p) => ({ x: p.latencyMs, y: p.fraction })) },
      ]),
    }),
  );
  writeFileSync(
    join(outDir, 'pods-bound.svg'),
    lineChartSvg({
      title: 'Pods bound to nodes over time',
      xLabel: 'seconds since the Deployments were created',
      yLabel: 'pods bound',
      yFromZero: true,
      series: report.runs.map((r) => ({ name: r.store, points: r.startup.scheduling.boundOverTime.map((p) => ({ x: p.seconds, y: p.bound })) })),
    }),
  );
}
