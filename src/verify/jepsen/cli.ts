// `npm run jepsen -- --time 60 --nemesis all|kill|pause|partition|member[,...] --seed S [--impl barque|etcd]
// [--clients N] [--runs R] [--watchers W] [--results DIR]`. Runs R runs (seeds S, S+1, ...), prints progress and a
// summary, writes each run's files, and exits 1 if any run found an anomaly, 3 if a run could not be fully judged.
// Ctrl-C stops the run, cleans up every process and still reports; a second Ctrl-C kills everything at once.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { killAllLeftoversSync, type EtcdImpl } from '../../store/testing/etcd-process.ts';
import { FAULT_KINDS, type FaultKind } from './nemesis.ts';
import { writeResults, summarize } from './report.ts';
import { runOnce, type RunResult } from './runner.ts';

export const JEPSEN_USAGE = `usage: npm run jepsen -- [--time SECONDS] [--nemesis all|none|kill|pause|partition|member[,...]] [--seed S]
                        [--impl barque|etcd] [--clients N] [--runs R] [--watchers W] [--op-timeout MS]
                        [--think MS] [--results DIR] [--member-target any|follower] [--unsafe-local-reads]
`;

export interface JepsenArgs {
  timeSeconds: number;
  nemesis: FaultKind[];
  seed: number;
  impl: EtcdImpl;
  clients: number;
  runs: number;
  watchers: number;
  opTimeoutMs: number;
  thinkMs: number;
  resultsDir: string;
  unsafeLocalReads: boolean;
  memberTarget: 'any' | 'follower';
}

export class UsageError extends Error {}

export function parseJepsenArgs(argv: readonly string[]): JepsenArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      time: { type: 'string', default: '60' },
      nemesis: { type: 'string', default: 'all' },
      seed: { type: 'string' },
      impl: { type: 'string', default: 'barque' },
      clients: { type: 'string', default: '5' },
      runs: { type: 'string', default: '1' },
      watchers: { type: 'string', default: '2' },
      'op-timeout': { type: 'string', default: '3000' },
      think: { type: 'string', default: '10' },
      results: { type: 'string', default: 'jepsen-results' },
      'unsafe-local-reads': { type: 'boolean', default: false },
      'member-target': { type: 'string', default: 'any' },
    },
  });
  const int = (name: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got ${v}`);
    return n;
  };
  const impl = values.impl;
  if (impl !== 'barque' && impl !== 'etcd') throw new UsageError(`--impl must be barque or etcd, got ${impl}`);
  let nemesis: FaultKind[];
  if (values.nemesis === 'all') nemesis = impl === 'etcd' ? FAULT_KINDS.filter((k) => k !== 'partition') : [...FAULT_KINDS];
  else if (values.nemesis === 'none') nemesis = [];
  else {
    nemesis = values.nemesis.split(',').map((k) => {
      if (!(FAULT_KINDS as readonly string[]).includes(k)) throw new UsageError(`unknown nemesis "${k}" (all, none, ${FAULT_KINDS.join(', ')})`);
      return k as FaultKind;
    });
  }
  // Real etcd's Go transport does not use a proxy for loopback addresses, so the proxies cannot cut its links.
  if (impl === 'etcd' && nemesis.includes('partition')) throw new UsageError('--nemesis partition needs --impl barque (etcd does not proxy loopback peers)');
  const memberTarget = values['member-target'];
  if (memberTarget !== 'any' && memberTarget !== 'follower') throw new UsageError(`--member-target must be any or follower, got ${memberTarget}`);
  if (impl === 'etcd' && values['unsafe-local-reads']) throw new UsageError('--unsafe-local-reads is a barque flag');
  return {
    timeSeconds: int('time', values.time, 1),
    nemesis,
    seed: values.seed === undefined ? Date.now() % 1_000_000 : int('seed', values.seed, 0),
    impl,
    clients: int('clients', values.clients, 1),
    runs: int('runs', values.runs, 1),
    watchers: int('watchers', values.watchers, 0),
    opTimeoutMs: int('op-timeout', values['op-timeout'], 100),
    thinkMs: int('think', values.think, 0),
    resultsDir: values.results,
    unsafeLocalReads: values['unsafe-local-reads'],
    memberTarget,
  };
}

export async function main(argv: readonly string[]): Promise<number> {
  let args: JepsenArgs;
  try {
    args = parseJepsenArgs(argv);
  } catch (err) {
    process.stderr.write(`jepsen: ${(err as Error).message}\n${JEPSEN_USAGE}`);
    return 2;
  }
  let aborted = false;
  const onSignal = (): void => {
    if (aborted) {
      killAllLeftoversSync();
      process.exit(130);
    }
    aborted = true;
    process.stderr.write('\ninterrupted: stopping the run and cleaning up (again to kill at once)\n');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const resultsDir = join(args.resultsDir, stamp);
  const log = (line: string): void => void process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
  const results: RunResult[] = [];
  for (let run = 0; run < args.runs && !aborted; run++) {
    const r = await runOnce({
      impl: args.impl,
      seed: args.seed + run,
      timeSeconds: args.timeSeconds,
      nemesis: args.nemesis,
      clients: args.clients,
      watchers: args.watchers,
      opTimeoutMs: args.opTimeoutMs,
      thinkMs: args.thinkMs,
      unsafeLocalReads: args.unsafeLocalReads,
      log,
      aborted: () => aborted,
      progressIntervalMs: 5_000,
      startTimeoutMs: 90_000,
      memberTarget: args.memberTarget,
    });
    results.push(r);
    const folder = writeResults(resultsDir, r, run);
    process.stdout.write(`\n${summarize(r, run)}\n  files: ${folder}\n\n`);
  }
  const totals = results.reduce(
    (t, r) => ({ ops: t.ops + r.ops.ok + r.ops.failed + r.ops.unknown, faults: t.faults + r.faults.length, anomalies: t.anomalies + r.anomalies.length }),
    { ops: 0, faults: 0, anomalies: 0 },
  );
  process.stdout.write(`${results.length} run(s), ${totals.ops} ops, ${totals.faults} faults, ${totals.anomalies} anomalies\n`);
  if (totals.anomalies > 0) return 1;
  if (results.some((r) => r.problems.length > 0) || aborted) return 3;
  return 0;
}
