// Runs an etcdctl script against a fresh cluster and records a normalized transcript; compares two transcripts.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdCluster, type EtcdImpl } from '../../src/store/testing/etcd-process.ts';
import type { Invocation } from './invocation.ts';
import { lineDiff } from './line-diff.ts';
import { Normalizer, type MemberIdentity, type RunIdentity } from './normalize.ts';

const DEFAULT_COMMAND_TIMEOUT_MS = 30_000;
const COMMAND_TIMEOUT_FLAG = '--command-timeout=15s';

export interface TranscriptEntry {
  id: string;
  /** The command as written in the script (before expansion), then exit status, stdout and stderr, normalized. */
  lines: string[];
}

export interface Transcript {
  impl: EtcdImpl;
  members: number;
  entries: TranscriptEntry[];
}

export interface RunOptions {
  impl: EtcdImpl;
  members: number;
  script: readonly Invocation[];
}

/** Starts a fresh cluster, runs the script in order, always kills the cluster and removes its dirs. */
export async function runScriptOnFreshCluster(options: RunOptions): Promise<Transcript> {
  const scratchDir = mkdtempSync(join(tmpdir(), `barque-diff-${options.impl}-`));
  let cluster: EtcdCluster | null = null;
  try {
    cluster = await EtcdCluster.start({ impl: options.impl, members: options.members });
    return await runScript(cluster, options.script, scratchDir);
  } finally {
    await cluster?.cleanup();
    rmSync(scratchDir, { recursive: true, force: true });
  }
}

/** `connectArgs` go before every invocation (e.g. TLS flags) and stay out of the transcript. */
export async function runScript(cluster: EtcdCluster, script: readonly Invocation[], scratchDir: string, connectArgs: readonly string[] = []): Promise<Transcript> {
  const identity = await discoverIdentity(cluster, scratchDir, connectArgs);
  const normalizer = new Normalizer(identity, { clusterMode: cluster.members.length > 1 });
  const vars = new Map<string, string>([['dir', scratchDir]]);
  const entries: TranscriptEntry[] = [];
  for (const inv of script) {
    const args = inv.args.map((a) => a.replace(/\$\{(\w+)\}/g, (_, name: string) => vars.get(name) ?? `<unset:${name}>`));
    const stopAfterLines = inv.stopAfterLines;
    // A longer client deadline than etcdctl's 5 s default: both servers share two busy cores with other tests.
    const result = await cluster.etcdctl([...connectArgs, COMMAND_TIMEOUT_FLAG, ...args], {
      stdin: inv.stdin,
      timeoutMs: inv.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
      stopWhen: stopAfterLines === undefined ? undefined : (out) => countLines(out) >= stopAfterLines,
    });
    const stdout = stopAfterLines === undefined ? result.stdout : firstLines(result.stdout, stopAfterLines);
    if (inv.capture !== undefined) {
      const match = inv.capture.pattern.exec(stdout);
      if (match !== null) {
        // etcdctl takes lease and member IDs in hex, whichever spelling the capture read.
        vars.set(inv.capture.name, inv.capture.idFormat === 'hex' ? match[1] : BigInt(match[1]).toString(16));
        normalizer.addId(BigInt(inv.capture.idFormat === 'hex' ? `0x${match[1]}` : match[1]), `<${inv.capture.name}>`);
      }
    }
    const volatile = inv.volatile ?? [];
    const status = result.stoppedByUs ? 'stopped by the test (bounded command)' : `exit ${result.code}`;
    entries.push({
      id: inv.id,
      lines: [
        `$ etcdctl ${inv.args.join(' ')}`,
        status,
        ...normalizer.lines(stdout, args, volatile).map((l) => `out| ${l}`),
        ...normalizer.lines(result.stderr, args, volatile).map((l) => `err| ${l}`),
      ],
    });
  }
  return { impl: cluster.impl, members: cluster.members.length, entries };
}

/** Member ids, names and the cluster id, read with etcdctl (uint64s parsed from the text, not as JS numbers). */
async function discoverIdentity(cluster: EtcdCluster, scratchDir: string, connectArgs: readonly string[]): Promise<RunIdentity> {
  const result = await cluster.etcdctl([...connectArgs, 'member', 'list', '-w', 'json'], { timeoutMs: DEFAULT_COMMAND_TIMEOUT_MS });
  const clusterIdMatch = /"cluster_id":(\d+)/.exec(result.stdout);
  const members: MemberIdentity[] = [];
  for (const m of cluster.members) {
    const idMatch = new RegExp(`"ID":(\\d+),"name":"${m.name}"`).exec(result.stdout);
    members.push({ name: m.name, id: idMatch === null ? 0n : BigInt(idMatch[1]), clientUrl: m.clientUrl, peerUrl: m.peerUrl });
  }
  return { clusterId: clusterIdMatch === null ? null : BigInt(clusterIdMatch[1]), members, scratchDir };
}

function countLines(text: string): number {
  let n = 0;
  for (const ch of text) if (ch === '\n') n++;
  return n;
}

function firstLines(text: string, count: number): string {
  const lines = text.split('\n');
  return lines.length <= count ? text : `${lines.slice(0, count).join('\n')}\n`;
}

export interface TranscriptComparison {
  matched: string[];
  differing: string[];
  /** Human-readable: each differing invocation with a line diff (- expected, + actual). */
  report: string;
}

export function compareTranscripts(expected: Transcript, actual: Transcript, reportLimit = 40): TranscriptComparison {
  const matched: string[] = [];
  const differing: string[] = [];
  const blocks: string[] = [];
  const byId = new Map(actual.entries.map((e) => [e.id, e]));
  for (const want of expected.entries) {
    const got = byId.get(want.id);
    const gotLines = got?.lines ?? ['<not run>'];
    if (sameLines(want.lines, gotLines)) {
      matched.push(want.id);
      continue;
    }
    differing.push(want.id);
    if (blocks.length < reportLimit) {
      blocks.push(`=== ${want.id} (- ${expected.impl}, + ${actual.impl})\n${lineDiff(want.lines, gotLines).join('\n')}`);
    }
  }
  const more = differing.length > blocks.length ? `\n... and ${differing.length - blocks.length} more differing invocations` : '';
  const summary = `${matched.length}/${expected.entries.length} invocations identical after normalization`;
  return { matched, differing, report: `${summary}\n\n${blocks.join('\n\n')}${more}` };
}

function sameLines(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((line, i) => line === b[i]);
}

/** The whole transcript as text, for writing next to a failure. */
export function formatTranscript(t: Transcript): string {
  return t.entries.map((e) => `=== ${e.id}\n${e.lines.join('\n')}`).join('\n\n');
}

const TRANSCRIPT_DIR = join(tmpdir(), 'barque-differential');

/** Writes a transcript to $TMPDIR/barque-differential/<name>.txt, for reading when a comparison fails. */
export function keepTranscript(name: string, t: Transcript): string {
  mkdirSync(TRANSCRIPT_DIR, { recursive: true });
  const path = join(TRANSCRIPT_DIR, `${name}.txt`);
  writeFileSync(path, `${formatTranscript(t)}\n`);
  return path;
}

/** Keeps `t` under `name` and returns the ids of the invocations that differ from the oracle, with the report. */
export function differencesFrom(oracle: Transcript, t: Transcript, name: string): { differing: string[]; message: string } {
  const path = keepTranscript(name, t);
  const comparison = compareTranscripts(oracle, t);
  return { differing: comparison.differing, message: `${comparison.report}\n(transcript: ${path})` };
}

