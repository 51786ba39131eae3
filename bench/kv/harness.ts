// The harness: start every target, run each workload against each target (alternating which goes first), collect
// peak memory, stop everything, write the results folder.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { formatNumber, GRPC_STATUS_OK, headerRevision, Http2GrpcClient, Progress, RawH2GrpcClient, type UnaryGrpcClient } from '../lib/index.ts';
import { compactFrame, KV_COMPACT, KV_RANGE, rangeFrame } from './etcd-requests.ts';
import { charts, comparisonTable, markdownReport, type BenchReport, type MemoryReport } from './report.ts';
import type { RunOptions } from './settings.ts';
import { waitUntilIdle } from './settle.ts';
import { startTarget, type BenchTarget } from './targets.ts';
import { checkPerfWorkload } from './workloads/check-perf.ts';
import { putWorkload } from './workloads/put.ts';
import { rangeWorkload } from './workloads/range.ts';
import { txnCasWorkload } from './workloads/txn.ts';
import type { Workload, WorkloadContext, WorkloadResult } from './workloads/types.ts';
import { watchWorkload } from './workloads/watch.ts';

export interface HarnessOutcome {
  report: BenchReport;
  outDir: string;
}

interface LiveTarget {
  target: BenchTarget;
  client: UnaryGrpcClient;
  streams: Http2GrpcClient;
}

export function buildWorkloads(options: RunOptions): Workload[] {
  const { settings, groups } = options;
  const out: Workload[] = [];
  if (groups.includes('put')) for (const c of options.clients) out.push(putWorkload(c, settings));
  if (groups.includes('range')) {
    for (const shape of ['one key', 'prefix 1000'] as const) {
      for (const serializable of [false, true]) out.push(rangeWorkload(shape, serializable, settings));
    }
  }
  if (groups.includes('txn')) out.push(txnCasWorkload(settings));
  if (groups.includes('watch')) out.push(watchWorkload(settings));
  if (groups.includes('check-perf')) for (const load of settings.checkPerfLoads) out.push(checkPerfWorkload(load));
  return out;
}

export async function runHarness(options: RunOptions, command: string, outDir: string, progress = new Progress()): Promise<HarnessOutcome> {
  const startedAt = new Date().toISOString();
  const loadAverageStart = os.loadavg();
  const unavailable: Record<string, string> = {};
  const live: LiveTarget[] = [];
  const results: WorkloadResult[] = [];
  const memory: MemoryReport[] = [];
  mkdirSync(outDir, { recursive: true });
  const onSignal = (): void => {
    progress.step('interrupted: stopping every member');
    void Promise.allSettled(live.map((l) => l.target.shutdown())).then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  try {
    for (const name of options.targets) {
      progress.step(`starting ${options.members}-member ${name} cluster`);
      try {
        const target = await startTarget(name, {
          members: options.members,
          baseDir: options.dataDirBase,
          cpuProfileDir: options.profile ? join(outDir, 'profiles') : undefined,
        });
        const connect = { connections: options.settings.connections };
        const streams = await Http2GrpcClient.connect(target.endpoints, connect);
        const client = options.settings.client === 'raw' ? await RawH2GrpcClient.connect(target.endpoints, connect) : streams;
        live.push({ target, client, streams });
        progress.step(`${name} up: ${target.endpoints.join(' ')}`);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        unavailable[name] = startFailureSummary(message);
        progress.step(`${name} could not be started; it is left out: ${unavailable[name]}`);
      }
    }
    const workloads = buildWorkloads(options);
    for (const [index, workload] of workloads.entries()) {
      const order = index % 2 === 0 ? live : [...live].reverse();
      for (const { target, client, streams } of order) {
        const ctx: WorkloadContext = { target, client, streams, settings: options.settings, progress };
        progress.step(`${workload.id} on ${target.name} (${index + 1}/${workloads.length})`);
        await workload.prepare?.(ctx);
        await settle(live, progress);
        const result = await workload.run(ctx);
        results.push(result);
        progress.step(`  ${describe(result)}`);
        if (workload.group === 'put' || workload.group === 'txn' || workload.group === 'watch') await compact(client, progress);
      }
    }
    for (const { target } of live) memory.push({ target: target.name, perMemberKiB: target.peakRssKiB() });
  } finally {
    process.off('SIGINT', onSignal);
    progress.step('stopping clusters');
    await Promise.allSettled(live.map(async (l) => {
      await l.client.close();
      if (l.streams !== l.client) await l.streams.close();
      await l.target.shutdown();
    }));
  }
  const report: BenchReport = {
    meta: {
      command,
      startedAt,
      finishedAt: new Date().toISOString(),
      machine: machineText(),
      node: process.version,
      loadAverageStart,
      loadAverageEnd: os.loadavg(),
      members: options.members,
      targets: live.map((l) => l.target.name),
      settings: { ...options.settings, clients: options.clients },
      unavailable,
    },
    results,
    memory,
  };
  writeResults(outDir, report);
  return { report, outDir };
}

/** The member's own complaint (`barque etcd: ...` on stderr) when there is one, else the first line. */
export function startFailureSummary(message: string): string {
  const lines = message.split('\n');
  const own = lines.find((l) => l.startsWith('barque etcd: '));
  return own === undefined ? lines[0] : `${lines[0]}: ${own}`;
}

function describe(r: WorkloadResult): string {
  const latency = r.latency === null ? '' : `, p50 ${formatNumber(r.latency.p50Ms)} ms, p99 ${formatNumber(r.latency.p99Ms)} ms`;
  const result = typeof r.notes.result === 'string' ? ` ${r.notes.result}` : '';
  return `${r.target}: ${formatNumber(r.throughput)} ${r.unit}${latency}, ${r.errors} errors${result}`;
}

/** Waits until no target's members are busy with a previous workload's leftovers (bench/kv/settle.ts). */
async function settle(live: readonly LiveTarget[], progress: Progress): Promise<void> {
  const outcome = await waitUntilIdle(() => live.reduce((sum, l) => sum + l.target.cpuSeconds(), 0));
  if (!outcome.quiet) progress.step(`  members still busy after ${outcome.waitedMs / 1_000} s (${formatNumber(outcome.lastCores)} cores): running anyway`);
  else if (outcome.waitedMs > 1_000) progress.step(`  waited ${outcome.waitedMs / 1_000} s for the members to go idle`);
}

/** Compacts to the current revision so that the next workload starts from a small history on every target. */
async function compact(client: UnaryGrpcClient, progress: Progress): Promise<void> {
  const probe = await client.unaryAsync(KV_RANGE, rangeFrame(Buffer.from('/bench/'), null, false));
  if (probe.status !== GRPC_STATUS_OK || probe.body === null) return progress.step(`  compaction skipped: ${probe.message}`);
  const reply = await client.unaryAsync(KV_COMPACT, compactFrame(headerRevision(probe.body)));
  if (reply.status !== GRPC_STATUS_OK) progress.step(`  compaction failed: grpc-status ${reply.status}: ${reply.message}`);
}

function machineText(): string {
  const cpus = os.cpus();
  return `${cpus.length} x ${cpus[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.type()} ${os.release()}`;
}

export function writeResults(outDir: string, report: BenchReport): void {
  const chartFiles = charts(report);
  for (const c of chartFiles) writeFileSync(join(outDir, c.name), c.svg);
  writeFileSync(join(outDir, 'results.json'), JSON.stringify(report, null, 2) + '\n');
  writeFileSync(join(outDir, 'report.md'), markdownReport(report, chartFiles.map((c) => c.name)));
}

export { comparisonTable };
