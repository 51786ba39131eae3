// Differential test, multi-process and slow: the etcdctl 3.4 script runs against real etcd 3.4.23 (the oracle,
// recorded in this same run) and against barque, each a fresh single member started with identical flags, and
// the normalized transcripts must be identical line by line.
//
// A second run of real etcd against the first proves the normalization hides only what legitimately differs.
// Transcripts are written to $TMPDIR/barque-differential/ for reading when a comparison fails.
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAllLeftoversSync } from '../../src/store/testing/etcd-process.ts';
import { ETCDCTL_SCRIPT } from './etcdctl-script.ts';
import { compareTranscripts, formatTranscript, runScriptOnFreshCluster, type Transcript } from './runner.ts';

const MEMBERS = 1;
const RUN_TIMEOUT_MS = 600_000;
const transcriptDir = join(tmpdir(), 'barque-differential');

function keep(name: string, t: Transcript): string {
  mkdirSync(transcriptDir, { recursive: true });
  const path = join(transcriptDir, `etcdctl-single-${name}.txt`);
  writeFileSync(path, `${formatTranscript(t)}\n`);
  return path;
}

describe('etcdctl 3.4 against one member: barque vs etcd 3.4.23 (multi-process)', () => {
  let oracle: Transcript;

  beforeAll(async () => {
    oracle = await runScriptOnFreshCluster({ impl: 'etcd', members: MEMBERS, script: ETCDCTL_SCRIPT });
    keep('etcd', oracle);
  }, RUN_TIMEOUT_MS);

  afterAll(() => killAllLeftoversSync());

  it('has a script of at least 60 invocations with unique ids', () => {
    const ids = ETCDCTL_SCRIPT.map((i) => i.id);
    expect(ids.length).toBeGreaterThanOrEqual(60);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('real etcd agrees with itself after normalization', async () => {
    const again = await runScriptOnFreshCluster({ impl: 'etcd', members: MEMBERS, script: ETCDCTL_SCRIPT });
    const path = keep('etcd-again', again);
    const comparison = compareTranscripts(oracle, again);
    expect(comparison.differing, `${comparison.report}\n(transcript: ${path})`).toEqual([]);
  }, RUN_TIMEOUT_MS);

  it('barque answers every invocation as etcd does', async () => {
    const barque = await runScriptOnFreshCluster({ impl: 'barque', members: MEMBERS, script: ETCDCTL_SCRIPT });
    const path = keep('barque', barque);
    const comparison = compareTranscripts(oracle, barque);
    expect(comparison.differing, `${comparison.report}\n(transcript: ${path})`).toEqual([]);
  }, RUN_TIMEOUT_MS);
});
