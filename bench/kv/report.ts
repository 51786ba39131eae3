// Turns workload results into the one comparison table (etcd, barque, ratio barque/etcd), a Markdown report, a JSON
// dump and SVG charts (latency CDF per workload, throughput vs clients for puts).
import { formatNumber, lineChartSvg, markdownTable, type Cell, type ChartSeries } from '../lib/index.ts';
import type { TargetName } from './targets.ts';
import type { WorkloadResult } from './workloads/types.ts';

export interface MemoryReport {
  target: TargetName;
  /** Peak RSS per member in KiB (null: member gone). */
  perMemberKiB: (number | null)[];
}

export interface RunMeta {
  command: string;
  startedAt: string;
  finishedAt: string;
  machine: string;
  node: string;
  loadAverageStart: number[];
  loadAverageEnd: number[];
  members: number;
  targets: TargetName[];
  settings: Record<string, unknown>;
  /** Targets that were asked for but could not be started, with why. */
  unavailable: Record<string, string>;
}

export interface BenchReport {
  meta: RunMeta;
  results: WorkloadResult[];
  memory: MemoryReport[];
}

const COMPARE_ORDER: readonly TargetName[] = ['etcd', 'barque'];

/** Workload ids in first-run order. */
function workloadIds(results: readonly WorkloadResult[]): string[] {
  return [...new Set(results.map((r) => r.workload))];
}

function find(results: readonly WorkloadResult[], workload: string, target: TargetName): WorkloadResult | undefined {
  return results.find((r) => r.workload === workload && r.target === target);
}

function pair(values: (number | undefined)[]): string {
  return values.map((v) => (v === undefined ? '-' : formatNumber(v))).join(' / ');
}

function ratio(barque: number | undefined, etcd: number | undefined): Cell {
  if (barque === undefined || etcd === undefined || !(etcd > 0) || !Number.isFinite(barque)) return null;
  return `${(barque / etcd).toFixed(2)}x`;
}

export function comparisonTable(report: BenchReport): string {
  const targets = COMPARE_ORDER.filter((t) => report.meta.targets.includes(t));
  const label = targets.map((t) => t).join(' / ');
  const rows: Cell[][] = [];
  for (const id of workloadIds(report.results)) {
    const byTarget = targets.map((t) => find(report.results, id, t));
    const any = byTarget.find((r) => r !== undefined) as WorkloadResult;
    const lat = (pick: (r: WorkloadResult) => number | undefined): string => pair(byTarget.map((r) => (r?.latency ? pick(r) : undefined)));
    const notes = byTarget
      .map((r, i) => (r === undefined ? '' : noteText(r, targets[i])))
      .filter((n) => n !== '')
      .join('; ');
    rows.push([
      id,
      any.group === 'check-perf' ? '-' : String(any.clients),
      any.unit,
      ...byTarget.map((r) => r?.throughput),
      ratio(find(report.results, id, 'barque')?.throughput, find(report.results, id, 'etcd')?.throughput),
      lat((r) => r.latency?.p50Ms),
      lat((r) => r.latency?.p90Ms),
      lat((r) => r.latency?.p99Ms),
      lat((r) => r.latency?.maxMs),
      byTarget.map((r) => (r === undefined ? '-' : String(r.errors))).join(' / '),
      notes,
    ]);
  }
  for (const m of memoryRows(report, targets)) rows.push(m);
  return markdownTable(
    [
      { title: 'workload' },
      { title: 'clients', align: 'right' },
      { title: 'unit' },
      ...targets.map((t) => ({ title: t, align: 'right' as const })),
      { title: 'barque/etcd', align: 'right' },
      { title: `p50 ms ${label}`, align: 'right' },
      { title: `p90 ms ${label}`, align: 'right' },
      { title: `p99 ms ${label}`, align: 'right' },
      { title: `max ms ${label}`, align: 'right' },
      { title: `errors ${label}`, align: 'right' },
      { title: 'notes' },
    ],
    rows,
  );
}

function memoryRows(report: BenchReport, targets: readonly TargetName[]): Cell[][] {
  if (report.memory.length === 0) return [];
  const mib = (t: TargetName): number | undefined => {
    const m = report.memory.find((x) => x.target === t);
    const values = (m?.perMemberKiB ?? []).filter((v): v is number => v !== null);
    return values.length === 0 ? undefined : Math.max(...values) / 1024;
  };
  const perMember = targets.map((t) => report.memory.find((x) => x.target === t)?.perMemberKiB ?? []);
  return [
    [
      'peak RSS, largest member',
      '-',
      'MiB',
      ...targets.map(mib),
      ratio(mib('barque'), mib('etcd')),
      '',
      '',
      '',
      '',
      '',
      `per member: ${perMember.map((list) => list.map((k) => (k === null ? '-' : formatNumber(k / 1024))).join(', ')).join(' / ')}`,
    ],
  ];
}

function noteText(r: WorkloadResult, target: TargetName): string {
  const parts: string[] = [];
  if (typeof r.notes.result === 'string') parts.push(`${target} ${r.notes.result}`);
  if (typeof r.notes.writesPerSecond === 'number') parts.push(`${target} ${formatNumber(r.notes.writesPerSecond)} writes/s`);
  if (typeof r.notes.firstErrors === 'string') parts.push(`${target}: ${r.notes.firstErrors.slice(0, 120)}`);
  return parts.join(', ');
}

export function markdownReport(report: BenchReport, chartFiles: readonly string[]): string {
  const { meta } = report;
  const unavailable = Object.entries(meta.unavailable).map(([t, why]) => `- ${t}: not measured: ${why.split('\n')[0]}`);
  const clients = [...new Set(report.results.map((r) => r.client))].map((c) => `- ${c}`);
  return [
    '# barque bench kv',
    '',
    `Command: \`${meta.command}\``,
    '',
    `Started ${meta.startedAt}, finished ${meta.finishedAt}. Machine: ${meta.machine}; Node ${meta.node}.`,
    `Load average (1, 5, 15 min) at start ${meta.loadAverageStart.map((l) => l.toFixed(2)).join(', ')}, at end ${meta.loadAverageEnd.map((l) => l.toFixed(2)).join(', ')}.`,
    `${meta.members} member(s) per target, on loopback, data dirs on the same disk. Targets alternate per workload; each run starts once every member is idle.`,
    '',
    'Clients that produced the figures:',
    ...clients,
    ...(unavailable.length > 0 ? ['', ...unavailable] : []),
    '',
    comparisonTable(report),
    ...chartFiles.map((f) => `![${f}](${f})`),
    '',
  ].join('\n');
}

export interface ChartFile {
  name: string;
  svg: string;
}

export function charts(report: BenchReport): ChartFile[] {
  const targets = COMPARE_ORDER.filter((t) => report.meta.targets.includes(t));
  const out: ChartFile[] = [];
  const puts = report.results.filter((r) => r.group === 'put');
  if (puts.length > 0) {
    const series = (pick: (r: WorkloadResult) => number): ChartSeries[] =>
      targets.map((t) => ({
        name: t,
        markers: true,
        points: puts.filter((r) => r.target === t).map((r) => ({ x: r.clients, y: pick(r) })).sort((a, b) => a.x - b.x),
      }));
    out.push({
      name: 'put-throughput-vs-clients.svg',
      svg: lineChartSvg({ title: 'Put throughput vs clients', xLabel: 'clients', yLabel: 'puts/s', xScale: 'log', yFromZero: true, series: series((r) => r.throughput) }),
    });
    out.push({
      name: 'put-p99-vs-clients.svg',
      svg: lineChartSvg({ title: 'Put p99 latency vs clients', xLabel: 'clients', yLabel: 'p99 ms', xScale: 'log', yScale: 'log', series: series((r) => r.latency?.p99Ms ?? Number.NaN) }),
    });
  }
  for (const id of workloadIds(report.results)) {
    const rows = targets.map((t) => find(report.results, id, t)).filter((r): r is WorkloadResult => r !== undefined && r.cdf.length > 0);
    if (rows.length === 0) continue;
    out.push({
      name: `cdf-${slug(id)}.svg`,
      svg: lineChartSvg({
        title: `Latency CDF: ${id}`,
        xLabel: 'latency (ms)',
        yLabel: 'fraction of requests',
        xScale: 'log',
        series: rows.map((r) => ({ name: r.target, points: r.cdf.map((p) => ({ x: p.latencyMs, y: p.fraction })) })),
      }),
    });
  }
  return out;
}

export function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}
