// `barque bench kv` flags -> settings. --quick lowers every default for a short look; explicit flags still win.
import { parseArgs } from 'node:util';
import { parseDurationMs } from '../lib/index.ts';
import { TARGET_NAMES, type TargetName } from './targets.ts';
import type { BenchSettings, ClientKind } from './workloads/types.ts';

export const WORKLOAD_GROUPS = ['put', 'range', 'txn', 'watch', 'check-perf'] as const;
export type WorkloadGroupFlag = (typeof WORKLOAD_GROUPS)[number];

export interface RunOptions {
  targets: TargetName[];
  members: number;
  clients: number[];
  groups: WorkloadGroupFlag[];
  outDir: string | null;
  dataDirBase: string | undefined;
  profile: boolean;
  loadgenCost: boolean;
  settings: BenchSettings;
}

export const USAGE = `usage: barque bench kv [flags]     (or: npm run bench -- [flags])

Starts each target cluster side by side (3 members on loopback by default), runs the same workloads with the same
client against each, alternating targets per workload (each run starts once every member is idle), prints one table (ratio barque/etcd) and writes JSON,
Markdown and SVG charts into the results folder.

  --targets barque,etcd     targets to compare (default both)
  --members N               members per target (default 3)
  --clients 1,16,100,500    put clients per step (quick: 1,16)
  --duration 10s            measured time per step (quick: 2s); --warmup 1s (quick: 0.5s)
  --workloads put,range,txn,watch,check-perf   which groups to run (default all)
  --check-perf s            etcdctl check perf loads, comma-separated, or none (default s,m; quick: s)
  --read-clients N          clients for range and txn (default 100; quick: 16)
  --watchers N              watchers for watch fan-out (default 100; quick: 10); --watch-writers N (default 4)
  --client raw|http2        unary calls over raw HTTP/2 on TCP (default; errors not decoded) or node:http2
  --key-bytes 256 --value-bytes 1024 --key-space 10000 --connections N (default 2 per member)
  --out DIR                 results folder (default bench/results/<timestamp>)
  --data-dir DIR            parent of the members' data dirs (default the OS temp dir)
  --profile                 CPU profiles of barque members into <out>/profiles
  --loadgen-cost            measure the load generator itself against an in-process echo server and exit
  --quick                   short run with small defaults
`;

export class UsageError extends Error {}

export function parseRunOptions(argv: readonly string[]): RunOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      targets: { type: 'string' },
      members: { type: 'string' },
      clients: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      workloads: { type: 'string' },
      'check-perf': { type: 'string' },
      'read-clients': { type: 'string' },
      watchers: { type: 'string' },
      'watch-writers': { type: 'string' },
      'key-bytes': { type: 'string' },
      'value-bytes': { type: 'string' },
      'key-space': { type: 'string' },
      connections: { type: 'string' },
      out: { type: 'string' },
      'data-dir': { type: 'string' },
      profile: { type: 'boolean', default: false },
      'loadgen-cost': { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      client: { type: 'string' },
    },
  });
  const quick = values.quick === true;
  const targets = list(values.targets ?? TARGET_NAMES.join(','), 'targets').map((t) => {
    if (!(TARGET_NAMES as readonly string[]).includes(t)) throw new UsageError(`--targets: unknown target "${t}"`);
    return t as TargetName;
  });
  const groups = list(values.workloads ?? WORKLOAD_GROUPS.join(','), 'workloads').map((g) => {
    if (!(WORKLOAD_GROUPS as readonly string[]).includes(g)) throw new UsageError(`--workloads: unknown group "${g}"`);
    return g as WorkloadGroupFlag;
  });
  const members = positiveInt(values.members ?? '3', 'members');
  const checkPerf = values['check-perf'] ?? (quick ? 's' : 's,m');
  const checkPerfLoads = checkPerf === 'none' ? [] : list(checkPerf, 'check-perf');
  for (const l of checkPerfLoads) if (!['s', 'm', 'l', 'xl'].includes(l)) throw new UsageError(`--check-perf: unknown load "${l}"`);
  const settings: BenchSettings = {
    keyBytes: positiveInt(values['key-bytes'] ?? '256', 'key-bytes'),
    valueBytes: positiveInt(values['value-bytes'] ?? '1024', 'value-bytes'),
    durationMs: duration(values.duration ?? (quick ? '2s' : '10s'), 'duration'),
    warmupMs: duration(values.warmup ?? (quick ? '500ms' : '1s'), 'warmup'),
    connections: positiveInt(values.connections ?? String(2 * members), 'connections'),
    keySpace: positiveInt(values['key-space'] ?? '10000', 'key-space'),
    readClients: positiveInt(values['read-clients'] ?? (quick ? '16' : '100'), 'read-clients'),
    watchers: positiveInt(values.watchers ?? (quick ? '10' : '100'), 'watchers'),
    watchWriters: positiveInt(values['watch-writers'] ?? '4', 'watch-writers'),
    checkPerfLoads,
    client: clientKind(values.client ?? 'raw'),
  };
  return {
    targets,
    members,
    clients: list(values.clients ?? (quick ? '1,16' : '1,16,100,500'), 'clients').map((c) => positiveInt(c, 'clients')),
    groups,
    outDir: values.out ?? null,
    dataDirBase: values['data-dir'],
    profile: values.profile === true,
    loadgenCost: values['loadgen-cost'] === true,
    settings,
  };
}

function clientKind(text: string): ClientKind {
  if (text !== 'raw' && text !== 'http2') throw new UsageError(`--client: want raw or http2, got "${text}"`);
  return text;
}

function list(text: string, flag: string): string[] {
  const items = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new UsageError(`--${flag}: empty list`);
  return items;
}

function positiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${flag}: want a positive integer, got "${text}"`);
  return n;
}

function duration(text: string, flag: string): number {
  try {
    return parseDurationMs(text);
  } catch (err) {
    throw new UsageError(`--${flag}: ${(err as Error).message}`);
  }
}
