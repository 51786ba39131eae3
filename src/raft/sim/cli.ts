// npm run sim -- --seeds N [--start S] [--profile hostile|churn] [--unsafe stale-votes|count-commit] [--broken-disks] [--lease-reads]
// npm run sim -- --seed S [--trace] [...]
//
// Many seeds: one line per failing seed, then a summary with seeds/second (the only wall-clock figure, and only
// here). One seed: its outcome (and on failure the trace tail, or the whole trace with --trace), byte-identical
// on every replay. Exit code 1 on any violation or non-convergence.
import type { UnsafeTestingOptions } from '../config.ts';
import type { Profile } from './fault-mix.ts';
import { TRACE_TAIL_LINES, failureLine, outcomeLines } from './report.ts';
import { runSeed } from './simulator.ts';

interface Args {
  seed?: number;
  seeds?: number;
  start: number;
  trace: boolean;
  profile: Profile;
  unsafe: UnsafeTestingOptions;
  brokenDisks: boolean;
  leaseReads: boolean;
}

const USAGE =
  'usage: npm run sim -- --seeds N [--start S] | --seed S [--trace]  [--profile default|hostile|churn] [--unsafe stale-votes|count-commit] [--broken-disks] [--lease-reads]';

function parseArgs(argv: string[]): Args {
  const args: Args = { start: 0, trace: false, profile: 'default', unsafe: {}, brokenDisks: false, leaseReads: false };
  const int = (v: string | undefined, what: string): number => {
    const n = Number(v);
    if (v === undefined || !Number.isSafeInteger(n) || n < 0) throw new Error(`${what} needs a non-negative integer`);
    return n;
  };
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k];
    if (a === '--seed') args.seed = int(argv[++k], a);
    else if (a === '--seeds') args.seeds = int(argv[++k], a);
    else if (a === '--start') args.start = int(argv[++k], a);
    else if (a === '--trace') args.trace = true;
    else if (a === '--broken-disks') args.brokenDisks = true;
    else if (a === '--lease-reads') args.leaseReads = true;
    else if (a === '--profile') {
      const p = argv[++k];
      if (p !== 'default' && p !== 'hostile' && p !== 'churn') throw new Error('--profile is default, hostile or churn');
      args.profile = p;
    } else if (a === '--unsafe') {
      const u = argv[++k];
      if (u === 'stale-votes') args.unsafe.grantVotesToStaleLogs = true;
      else if (u === 'count-commit') args.unsafe.commitPreviousTermByCount = true;
      else throw new Error('--unsafe is stale-votes or count-commit');
    } else throw new Error(`unknown argument ${a}`);
  }
  if ((args.seed === undefined) === (args.seeds === undefined)) throw new Error('give --seed S or --seeds N');
  return args;
}

function replayOne(a: Args, seed: number): number {
  const r = runSeed({ seed, traceFull: a.trace, profile: a.profile, unsafe: a.unsafe, brokenDisks: a.brokenDisks, leaseReads: a.leaseReads });
  if (a.trace) for (const line of r.trace) console.log(line);
  for (const line of outcomeLines(r)) console.log(line);
  if (!r.ok && !a.trace) {
    console.log(`  last ${TRACE_TAIL_LINES} trace lines:`);
    for (const line of r.trace.slice(-TRACE_TAIL_LINES)) console.log(`    ${line}`);
  }
  return r.ok ? 0 : 1;
}

function runMany(a: Args, count: number): number {
  // eslint-disable-next-line no-restricted-properties -- the summary's seeds/second is the CLI's only wall-clock use
  const started = process.hrtime.bigint();
  let failed = 0;
  let events = 0;
  for (let seed = a.start; seed < a.start + count; seed++) {
    const r = runSeed({ seed, profile: a.profile, unsafe: a.unsafe, brokenDisks: a.brokenDisks, leaseReads: a.leaseReads });
    events += r.events;
    if (!r.ok) {
      failed++;
      console.log(failureLine(r));
    }
  }
  // eslint-disable-next-line no-restricted-properties -- see above
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(
    `${count} seeds [${a.start}, ${a.start + count}): ${failed} failed, ${(count / seconds).toFixed(1)} seeds/s, ` +
      `${Math.round(events / seconds)} events/s, ${seconds.toFixed(1)}s`,
  );
  return failed === 0 ? 0 : 1;
}

function main(): number {
  let a: Args;
  try {
    a = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  return a.seed !== undefined ? replayOne(a, a.seed) : runMany(a, a.seeds!);
}

process.exitCode = main();
