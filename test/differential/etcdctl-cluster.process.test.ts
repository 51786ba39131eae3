// Differential test, multi-process and slow: the same etcdctl 3.4 script as etcdctl-single, against 3-member
// clusters (all three client URLs given to etcdctl), real etcd 3.4.23 as the oracle recorded in this run. In
// cluster mode the normalizer also hides what the client or an election chooses (see normalize.ts).
// Real etcd also runs against itself, to keep the cluster-mode normalizer honest.
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAllLeftoversSync } from '../../src/store/testing/etcd-process.ts';
import { ETCDCTL_SCRIPT } from './etcdctl-script.ts';
import { compareTranscripts, formatTranscript, runScriptOnFreshCluster, type Transcript } from './runner.ts';

const MEMBERS = 3;
const RUN_TIMEOUT_MS = 600_000;
const transcriptDir = join(tmpdir(), 'barque-differential');

function keep(name: string, t: Transcript): string {
  mkdirSync(transcriptDir, { recursive: true });
  const path = join(transcriptDir, `etcdctl-cluster-${name}.txt`);
  writeFileSync(path, `${formatTranscript(t)}\n`);
  return path;
}

describe('etcdctl 3.4 against three members: barque vs etcd 3.4.23 (multi-process)', () => {
  let oracle: Transcript;

  beforeAll(async () => {
    oracle = await runScriptOnFreshCluster({ impl: 'etcd', members: MEMBERS, script: ETCDCTL_SCRIPT });
    keep('etcd', oracle);
  }, RUN_TIMEOUT_MS);

  afterAll(() => killAllLeftoversSync());

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
