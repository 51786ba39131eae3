// Raft core benchmark: proposals per second through a 3-node in-process cluster (cluster.ts), once on
// MemoryStorage and once on DurableStorage with real fdatasync (three data directories under os.tmpdir(),
// removed afterwards).
//
// Load: a closed loop keeps `--inflight` proposals of `--size` bytes outstanding at the leader; each one
// applied on the leader starts another. Commit latency = proposal to apply on the leader.
// Reported per storage: proposals/s, p50/p99 commit latency, WAL fsyncs/s (all three nodes together) and
// entries per fsync (group commit and Ready batching at work).
//
//   npm run bench:raft -- [--seconds 5] [--warmup 1] [--inflight 256] [--size 256] [--only memory|durable]
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DurableStorage } from '../../src/raft/storage/durable/index.ts';
import { MemoryStorage } from '../../src/raft/storage/index.ts';
import type { LogStorage } from '../../src/raft/storage.ts';
import { emptyConfState, EntryType, type ConfState, type Entry } from '../../src/raft/types.ts';
import { InProcessCluster } from './cluster.ts';

interface Args {
  seconds: number;
  warmup: number;
  inflight: number;
  size: number;
  only?: 'memory' | 'durable';
}

interface Result {
  storage: string;
  proposals: number;
  seconds: number;
  latenciesMs: number[];
  fsyncs?: number;
  entriesPersisted?: number;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { seconds: 5, warmup: 1, inflight: 256, size: 256 };
  for (let k = 0; k < argv.length; k += 2) {
    const [flag, value] = [argv[k], argv[k + 1]];
    if (flag === '--only' && (value === 'memory' || value === 'durable')) args.only = value;
    else if (flag === '--seconds' || flag === '--warmup' || flag === '--inflight' || flag === '--size') {
      const n = Number(value);
      if (!(n > 0)) throw new Error(`${flag}: want a positive number, got ${value}`);
      args[flag.slice(2) as 'seconds' | 'warmup' | 'inflight' | 'size'] = n;
    } else throw new Error(`unknown argument ${flag} (see the comment at the top of bench/raft/main.ts)`);
  }
  return args;
}

const voters: ConfState = { ...emptyConfState(), voters: [1n, 2n, 3n] };

/** Runs the closed loop on a started cluster; `fsyncStats` reads cumulative (fsyncs, entries) if durable. */
async function measure(
  name: string,
  storages: LogStorage[],
  args: Args,
  fsyncStats?: () => { fsyncs: number; entries: number },
): Promise<Result> {
  const started = new Map<number, number>(); // proposal seq -> start time
  let nextSeq = 0;
  let measuring = false;
  let done = false;
  let proposals = 0;
  const latenciesMs: number[] = [];
  const payload = Buffer.alloc(args.size, 0x61);

  const cluster = new InProcessCluster(storages, {
    tickMs: 10,
    electionTick: 50,
    heartbeatTick: 5,
    onLeaderApply: (entries: readonly Entry[]) => {
      const now = performance.now();
      for (const e of entries) {
        if (e.type !== EntryType.Normal || e.data.length !== args.size) continue;
        const seq = Buffer.from(e.data.buffer, e.data.byteOffset, e.data.length).readUInt32LE(0);
        const start = started.get(seq);
        if (start === undefined) continue;
        started.delete(seq);
        if (measuring) {
          proposals++;
          latenciesMs.push(now - start);
        }
        if (!done) propose();
      }
    },
  });
  function propose(): void {
    const data = Buffer.from(payload);
    const seq = nextSeq++;
    data.writeUInt32LE(seq, 0);
    started.set(seq, performance.now());
    cluster.propose(data);
  }

  await cluster.start();
  for (let k = 0; k < args.inflight; k++) propose();
  await sleep(args.warmup * 1000);
  const before = fsyncStats?.();
  const t0 = performance.now();
  measuring = true;
  await sleep(args.seconds * 1000);
  measuring = false;
  const seconds = (performance.now() - t0) / 1000;
  const after = fsyncStats?.();
  done = true;
  await cluster.stop();
  const result: Result = { storage: name, proposals, seconds, latenciesMs };
  if (before !== undefined && after !== undefined) {
    result.fsyncs = after.fsyncs - before.fsyncs;
    result.entriesPersisted = after.entries - before.entries;
  }
  return result;
}

async function runMemory(args: Args): Promise<Result> {
  const storages = [1, 2, 3].map(() => new MemoryStorage({ confState: voters }));
  return measure('MemoryStorage', storages, args);
}

async function runDurable(args: Args): Promise<Result> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'barque-bench-raft-'));
  try {
    const storages = await Promise.all([1, 2, 3].map((k) => DurableStorage.open(path.join(root, `node${k}`), { confState: voters })));
    const stats = () => {
      let fsyncs = 0;
      let entries = 0;
      for (const s of storages) {
        fsyncs += s.stats().batches;
        entries += s.stats().entries;
      }
      return { fsyncs, entries };
    };
    return await measure('DurableStorage (fdatasync)', storages, args, stats);
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function printTable(results: readonly Result[], args: Args): void {
  const header = ['storage', 'proposals/s', 'p50 ms', 'p99 ms', 'fsyncs/s', 'entries/fsync'];
  const rows = results.map((r) => {
    const sorted = [...r.latenciesMs].sort((a, b) => a - b);
    return [
      r.storage,
      Math.round(r.proposals / r.seconds).toLocaleString('en-US'),
      percentile(sorted, 50).toFixed(2),
      percentile(sorted, 99).toFixed(2),
      r.fsyncs === undefined ? '-' : Math.round(r.fsyncs / r.seconds).toLocaleString('en-US'),
      r.fsyncs === undefined || r.fsyncs === 0 ? '-' : (r.entriesPersisted! / r.fsyncs).toFixed(1),
    ];
  });
  const widths = header.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k].length)));
  const line = (cells: string[]) => `| ${cells.map((c, k) => (k === 0 ? c.padEnd(widths[k]) : c.padStart(widths[k]))).join(' | ')} |`;
  console.log(
    `3-node in-process cluster, ${args.size}-byte entries, ${args.inflight} proposals in flight, ` +
      `${args.seconds}s measured after ${args.warmup}s warm-up; node ${process.version}, ${os.cpus().length} cores, ${os.tmpdir()}`,
  );
  console.log(line(header));
  console.log(`|${widths.map((w, k) => (k === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const results: Result[] = [];
  if (args.only !== 'durable') results.push(await runMemory(args));
  if (args.only !== 'memory') results.push(await runDurable(args));
  printTable(results, args);
}

await main();
