// One run: a fresh cluster, concurrent clients and watchers under the nemesis for the given time, then heal,
// converge, and judge: the KV history with checkKvHistory, the watch streams with validateWatches against the
// store's write history, and HashKV on every member. Every process and socket is released whatever happens.
import { checkKvHistory, formatWatchViolations, validateWatches, type WatchViolation } from '../index.ts';
import { ClusterHarness, type Convergence } from './cluster-harness.ts';
import { EtcdRpc } from './etcd-rpc.ts';
import { HistoryRecorder, type OpCounts } from './history-recorder.ts';
import { runNemesis, type FaultKind, type FaultRecord } from './nemesis.ts';
import { Rng } from './rng.ts';
import { PrefixWatcher } from './watch-recorder.ts';
import { CLIENT_ID_STRIDE, KEY_PREFIX, KEY_PREFIX_END, runReader, runWorker, sleep } from './workload.ts';
import { readWriteHistory } from './write-history.ts';
import type { EtcdImpl } from '../../store/testing/etcd-process.ts';
import type { KvOperation, RecordedWatch, RevisionRecord } from '../index.ts';

export interface RunOptions {
  impl: EtcdImpl;
  seed: number;
  timeSeconds: number;
  nemesis: readonly FaultKind[];
  clients: number;
  watchers: number;
  opTimeoutMs: number;
  thinkMs: number;
  /** Test-only: start barque with --experimental-unsafe-local-reads. */
  unsafeLocalReads: boolean;
  log: (line: string) => void;
  /** Set when the user interrupts: the run stops early and still cleans up. */
  aborted: () => boolean;
  progressIntervalMs: number;
  startTimeoutMs: number;
  /** Whom the member nemesis may remove: any member (the leader half of the time) or followers only. */
  memberTarget: 'any' | 'follower';
}

export interface RunResult {
  seed: number;
  impl: EtcdImpl;
  nemesis: readonly FaultKind[];
  unsafeLocalReads: boolean;
  workloadMs: number;
  ops: OpCounts;
  opsByKind: Record<string, OpCounts>;
  faults: FaultRecord[];
  faultsByKind: Record<string, number>;
  linearizability: { verdict: 'ok' | 'illegal' | 'unknown'; text: string; checkMs: number };
  watch: { streams: number; resumes: number; events: number; violations: WatchViolation[]; text: string };
  convergence: Convergence | undefined;
  /** What makes the run fail: non-linearizable history, watch violations, diverging members. */
  anomalies: string[];
  /** The run could not be judged fully (no convergence, checker budget): not anomalies, still a failure. */
  problems: string[];
  history: KvOperation[];
  watches: RecordedWatch[];
  writeHistory: RevisionRecord[];
  /** Members' log tails, kept when the run found anomalies or problems. */
  memberLogs: Record<string, string>;
}

/** An unknown-outcome op takes effect within this long after its call or never (kill/restart cycles included). */
const UNKNOWN_OUTCOME_WINDOW_MS = 60_000;

export async function runOnce(o: RunOptions): Promise<RunResult> {
  const rng = new Rng(o.seed);
  const nemesisRng = rng.fork(1_000);
  o.log(`starting a ${o.impl} cluster of 3${o.unsafeLocalReads ? ' with --experimental-unsafe-local-reads' : ''} (seed ${o.seed})`);
  const harness = await ClusterHarness.start({ impl: o.impl, members: 3, unsafeLocalReads: o.unsafeLocalReads, log: o.log, startTimeoutMs: o.startTimeoutMs });
  const recorder = new HistoryRecorder();
  const endpoints: EtcdRpc[][] = [];
  const watchers: PrefixWatcher[] = [];
  try {
    let stop = false;
    const stopped = (): boolean => stop || o.aborted();
    const endpointOf = (owner: number) => (slot: number): EtcdRpc => {
      endpoints[owner] ??= [];
      return (endpoints[owner][slot] ??= new EtcdRpc(harness.clientUrl(slot)));
    };
    const leaseTtlSeconds = Math.max(120, o.timeSeconds + 300);
    for (let w = 0; w < o.watchers; w++) {
      const watcher = new PrefixWatcher({ index: w, key: KEY_PREFIX, rangeEnd: KEY_PREFIX_END, prevKv: w % 2 === 1, endpoint: endpointOf(o.clients + w), slots: 3, silenceMs: 6_000 });
      watchers.push(watcher);
      watcher.start();
    }
    const workers = Array.from({ length: o.clients }, (_, w) =>
      runWorker({ worker: w, rng: rng.fork(w), recorder, endpoint: endpointOf(w), slots: 3, opTimeoutMs: o.opTimeoutMs, thinkMs: o.thinkMs, leaseTtlSeconds, stopped }),
    );
    // One reader pinned to each member; ids and channels after the clients' and the watchers'.
    for (let slot = 0; slot < 3; slot++) {
      const owner = o.clients + o.watchers + slot;
      workers.push(runReader({ clientId: owner * CLIENT_ID_STRIDE, rng: rng.fork(owner), recorder, endpoint: endpointOf(owner)(slot), opTimeoutMs: o.opTimeoutMs, thinkMs: o.thinkMs, stopped }));
    }
    const nemesis = runNemesis({
      harness,
      rng: nemesisRng,
      kinds: o.nemesis,
      log: o.log,
      now: () => recorder.now(),
      stopped,
      quietMs: [2_000, 4_000],
      holdMs: [2_000, 6_000],
      memberTimeoutMs: 90_000,
      memberTarget: o.memberTarget,
    });
    const started = recorder.now();
    const progress = setInterval(() => {
      const t = recorder.totals();
      o.log(`t=${((recorder.now() - started) / 1000).toFixed(0)}s ops ${t.ok + t.failed + t.unknown} (ok ${t.ok}, failed ${t.failed}, unknown ${t.unknown}); watch resumes ${watchers.reduce((n, w) => n + w.resumes, 0)}`);
    }, o.progressIntervalMs);
    while (!o.aborted() && recorder.now() - started < o.timeSeconds * 1000) await sleep(200);
    stop = true;
    const faults = await nemesis.finally(() => clearInterval(progress));
    await Promise.all(workers);
    const workloadMs = recorder.now() - started;
    o.log(`workload done after ${(workloadMs / 1000).toFixed(1)} s; healing and waiting for convergence`);
    const problems: string[] = [];
    const anomalies: string[] = [];
    await harness.healAll();
    let convergence: Convergence | undefined;
    let writeHistory: RevisionRecord[] = [];
    try {
      convergence = await harness.converge(120_000);
      if (!convergence.agree) anomalies.push(`HashKV differs at revision ${convergence.revision}: ${JSON.stringify(convergence.hashes)}`);
      await catchUp(watchers, convergence.revision, 30_000);
      writeHistory = await readWriteHistory(harness.rpc(0), convergence.revision, 60_000);
    } catch (err) {
      problems.push(`no convergence: ${(err as Error).message}`);
    }
    for (const w of watchers) w.stop();
    const watches = watchers.flatMap((w) => w.watches).filter((w) => w.responses.length > 0);
    const t0 = Date.now();
    const lin = checkKvHistory(recorder.ops, {
      revisions: 'monotonic',
      unknownOutcomeWindow: UNKNOWN_OUTCOME_WINDOW_MS,
      budget: { maxSteps: 20_000_000, timeoutMs: 180_000, now: () => Date.now() },
    });
    const checkMs = Date.now() - t0;
    if (lin.verdict === 'illegal') anomalies.push('history is not linearizable (see linearizability.text)');
    if (lin.verdict === 'unknown') problems.push('linearizability check ran out of budget');
    const violations = writeHistory.length > 0 ? validateWatches(writeHistory, watches) : [];
    if (violations.length > 0) anomalies.push(`${violations.length} watch violations`);
    const faultsByKind: Record<string, number> = {};
    for (const f of faults) faultsByKind[f.kind] = (faultsByKind[f.kind] ?? 0) + 1;
    const failedFaults = faults.filter((f) => !f.ok);
    if (failedFaults.length > 0) problems.push(`${failedFaults.length} faults did not heal as planned: ${failedFaults.map((f) => `${f.kind} ${f.target}`).join(', ')}`);
    return {
      seed: o.seed,
      impl: o.impl,
      nemesis: o.nemesis,
      unsafeLocalReads: o.unsafeLocalReads,
      workloadMs,
      ops: recorder.totals(),
      opsByKind: Object.fromEntries(recorder.byKind),
      faults,
      faultsByKind,
      linearizability: { verdict: lin.verdict, text: lin.text, checkMs },
      watch: {
        streams: watches.length,
        resumes: watchers.reduce((n, w) => n + w.resumes, 0),
        events: watches.reduce((n, w) => n + w.responses.reduce((m, r) => m + r.events.length, 0), 0),
        violations,
        text: violations.length > 0 ? formatWatchViolations(violations) : 'ok',
      },
      convergence,
      anomalies,
      problems,
      history: recorder.ops,
      watches,
      writeHistory,
      memberLogs: anomalies.length + problems.length > 0 ? harness.logs() : {},
    };
  } finally {
    for (const w of watchers) w.stop();
    for (const list of endpoints) for (const e of list ?? []) e?.close();
    await harness.cleanup();
  }
}

/** Waits until every watcher's live stream reports a revision at or past `revision` (progress requests help). */
async function catchUp(watchers: readonly PrefixWatcher[], revision: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && watchers.some((w) => w.revision < revision)) {
    for (const w of watchers) if (w.revision < revision) w.requestProgress();
    await sleep(250);
  }
}
