// Differential test, multi-process and slow: the etcdctl 3.4 script runs against real etcd 3.4.23 (the oracle,
// recorded in this same run) and against barque, each a fresh single member started with identical flags, and
// the normalized transcripts must be identical line by line.
//
// A second run of real etcd against the first proves the normalization hides only what legitimately differs.
// Transcripts are written to $TMPDIR/barque-differential/ for reading when a comparison fails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAllLeftoversSync } from '../../src/store/testing/etcd-process.ts';
import { ETCDCTL_SCRIPT } from './etcdctl-script.ts';
import { differencesFrom, keepTranscript, runScriptOnFreshCluster, type Transcript } from './runner.ts';

const MEMBERS = 1;
const RUN_TIMEOUT_MS = 600_000;
describe('etcdctl 3.4 against one member: barque vs etcd 3.4.23 (multi-process)', () => {
  let oracle: Transcript;

  beforeAll(async () => {
    oracle = await runScriptOnFreshCluster({ impl: 'etcd', members: MEMBERS, script: ETCDCTL_SCRIPT });
    keepTranscript('etcdctl-single-etcd', oracle);
  }, RUN_TIMEOUT_MS);

  afterAll(() => killAllLeftoversSync());

  it('has a script of at least 60 invocations with unique ids', () => {
    const ids = ETCDCTL_SCRIPT.map((i) => i.id);
    expect(ids.length).toBeGreaterThanOrEqual(60);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('real etcd agrees with itself after normalization', async () => {
    const again = await runScriptOnFreshCluster({ impl: 'etcd', members: MEMBERS, script: ETCDCTL_SCRIPT });
    const { differing, message } = differencesFrom(oracle, again, 'etcdctl-single-etcd-again');
    expect(differing, message).toEqual([]);
  }, RUN_TIMEOUT_MS);

  it('barque answers every invocation as etcd does', async () => {
    const barque = await runScriptOnFreshCluster({ impl: 'barque', members: MEMBERS, script: ETCDCTL_SCRIPT });
    const { differing, message } = differencesFrom(oracle, barque, 'etcdctl-single-barque');
    expect(differing, message).toEqual([]);
  }, RUN_TIMEOUT_MS);
});
