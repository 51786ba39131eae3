// Summarises a V8 .cpuprofile (as `barque bench kv --profile` writes them): the share of samples spent in each
// function itself (self), in each source file, and under each function (inclusive), idle time shown apart, so
// that "where does a member's CPU go" is one command:
//
//   tsx bench/kv/profile-summary.ts bench/results/<run>/profiles/CPU.<pid>.cpuprofile [--top 30] [--busiest 10]
//
// --busiest S keeps only the S seconds with the most busy time, so start-up, warm-up and the compaction after a
// workload do not blur a workload's profile.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileShare {
  name: string;
  /** Share of all sampled time, 0..1. */
  share: number;
}

export interface ProfileSummary {
  totalMs: number;
  idleShare: number;
  self: ProfileShare[];
  files: ProfileShare[];
  inclusive: ProfileShare[];
}

function frameName(f: CallFrame): string {
  const file = f.url.replace(/^file:\/\//, '').replace(/.*\/node_modules\//, '').split('/').slice(-2).join('/');
  return `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}`;
}

function fileName(f: CallFrame): string {
  if (f.url === '') return '(native)';
  return f.url.replace(/^file:\/\//, '').replace(/.*\/node_modules\//, 'node_modules/').replace(/.*?\/(src|bench|bin)\//, '$1/');
}

function top(totals: Map<string, number>, all: number, n: number): ProfileShare[] {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, t]) => ({ name, share: all > 0 ? t / all : 0 }));
}

export function summarizeProfile(profile: CpuProfile, topN = 30): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const files = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  let idle = 0;
  const add = (m: Map<string, number>, k: string, t: number): void => {
    m.set(k, (m.get(k) ?? 0) + t);
  };
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    const t = profile.timeDeltas[i] ?? 0;
    if (node === undefined || t <= 0) continue;
    total += t;
    if (node.callFrame.functionName === '(idle)') {
      idle += t;
      continue;
    }
    add(self, frameName(node.callFrame), t);
    add(files, fileName(node.callFrame), t);
    // A recursive function counts once per sample.
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const name = frameName(byId.get(id)!.callFrame);
      if (seen.has(name)) continue;
      seen.add(name);
      add(inclusive, name, t);
    }
  }
  return {
    totalMs: total / 1000,
    idleShare: total > 0 ? idle / total : 0,
    self: top(self, total, topN),
    files: top(files, total, topN),
    inclusive: top(inclusive, total, topN),
  };
}

/** The part of the profile in the `windowMs` with the most busy (non-idle) time; the whole one if shorter. */
export function busiestWindow(profile: CpuProfile, windowMs: number): CpuProfile {
  const idleIds = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  const deltas = profile.timeDeltas.map((t) => Math.max(0, t ?? 0));
  const busy = profile.samples.map((id, i) => (idleIds.has(id) ? 0 : deltas[i]));
  const windowUs = windowMs * 1000;
  let best = { from: 0, to: profile.samples.length, busy: -1 };
  let from = 0;
  let span = 0;
  let busySum = 0;
  for (let to = 0; to < profile.samples.length; to++) {
    span += deltas[to];
    busySum += busy[to];
    while (span - deltas[from] >= windowUs && from < to) {
      span -= deltas[from];
      busySum -= busy[from];
      from++;
    }
    if (span >= windowUs && busySum > best.busy) best = { from, to: to + 1, busy: busySum };
  }
  if (best.busy < 0) return profile;
  return { nodes: profile.nodes, samples: profile.samples.slice(best.from, best.to), timeDeltas: profile.timeDeltas.slice(best.from, best.to) };
}

function formatSummary(s: ProfileSummary): string {
  const pct = (x: number): string => `${(x * 100).toFixed(1).padStart(5)} %`;
  const section = (title: string, rows: ProfileShare[]): string => [`-- ${title}`, ...rows.map((r) => `${pct(r.share)}  ${r.name}`)].join('\n');
  return [
    `sampled ${s.totalMs.toFixed(0)} ms, idle ${pct(s.idleShare)}, busy ${pct(1 - s.idleShare)}`,
    section('self', s.self),
    section('by file', s.files),
    section('inclusive', s.inclusive),
  ].join('\n\n');
}

function main(): void {
  const { values, positionals } = parseArgs({ options: { top: { type: 'string', default: '30' }, busiest: { type: 'string' } }, allowPositionals: true });
  if (positionals.length === 0) {
    process.stderr.write('usage: tsx bench/kv/profile-summary.ts FILE.cpuprofile... [--top N] [--busiest SECONDS]\n');
    process.exit(2);
  }
  for (const file of positionals) {
    const whole = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const profile = values.busiest === undefined ? whole : busiestWindow(whole, Number(values.busiest) * 1000);
    process.stdout.write(`== ${file}\n${formatSummary(summarizeProfile(profile, Number(values.top)))}\n\n`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) main();
