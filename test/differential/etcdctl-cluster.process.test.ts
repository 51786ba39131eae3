// Differential test, multi-process and slow: the same etcdctl 3.4 script as etcdctl-single, against 3-member
// clusters (all three client URLs given to etcdctl), real etcd 3.4.23 as the oracle recorded in this run. In
// cluster mode the normalizer also hides what the client or an election chooses (see normalize.ts).
// Real etcd also runs against itself, to keep the cluster-mode normalizer honest.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAllLeftoversSync } from '../../src/store/testing/etcd-process.ts';
import { ETCDCTL_SCRIPT } from './etcdctl-script.ts';
import { differencesFrom, keepTranscript, runScriptOnFreshCluster, type Transcript } from './runner.ts';

const MEMBERS = 3;
const RUN_TIMEOUT_MS = 600_000;
describe('etcdctl 3.4 against three members: barque vs etcd 3.4.23 (multi-process)', () => {
  let oracle: Transcript;

  beforeAll(async () => {
    oracle = await runScriptOnFreshCluster({ impl: 'etcd', members: MEMBERS, script: ETCDCTL_SCRIPT });
    keepTranscript('etcdctl-cluster-etcd', oracle);
  }, RUN_TIMEOUT_MS);

  afterAll(() => killAllLeftoversSync());

  it('real etcd agrees with itself after normalization', async () => {
    const again = await runScriptOnFreshCluster({ impl: 'etcd', members: MEMBERS, script: ETCDCTL_SCRIPT });
    const { differing, message } = differencesFrom(oracle, again, 'etcdctl-cluster-etcd-again');
    expect(differing, message).toEqual([]);
  }, RUN_TIMEOUT_MS);

  it('barque answers every invocation as etcd does', async () => {
    const barque = await runScriptOnFreshCluster({ impl: 'barque', members: MEMBERS, script: ETCDCTL_SCRIPT });
    const { differing, message } = differencesFrom(oracle, barque, 'etcdctl-cluster-barque');
    expect(differing, message).toEqual([]);
  }, RUN_TIMEOUT_MS);
});
