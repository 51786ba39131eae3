// etcdctl 3.4 against `bin/barque etcd` and the real etcd 3.4 (the oracle) started with the same flags: member and
// cluster IDs follow etcd's formula on both, and barque's snapshot is an etcd backend file etcdctl can read.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeClusterId, computeMemberId } from '../src/store/member/index.ts';
import { EtcdCluster, runEtcdctl, type EtcdImpl } from '../src/store/testing/etcd-process.ts';

const TOKEN = 'barque-test-cluster';
const clusters = new Map<EtcdImpl, EtcdCluster>();
const scratch = mkdtempSync(join(tmpdir(), 'barque-etcdctl-'));

beforeAll(async () => {
  for (const impl of ['etcd', 'barque'] as const) clusters.set(impl, await EtcdCluster.start({ impl, members: 1, initialClusterToken: TOKEN }));
});
afterAll(async () => {
  for (const c of clusters.values()) await c.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

describe.each(['etcd', 'barque'] as const)('store: etcdctl against %s (process)', (impl) => {
  it('reports member and cluster IDs computed from the initial cluster and token', async () => {
    const cluster = clusters.get(impl)!;
    const member = cluster.members[0];
    const r = await cluster.etcdctl(['member', 'list', '-w', 'json']);
    expect(r.code).toBe(0);
    // Parse the uint64s exactly: JSON.parse would round them.
    const ids = [...r.stdout.matchAll(/"(cluster_id|ID)":(\d+)/g)].map((m) => [m[1], BigInt(m[2])] as const);
    const memberId = computeMemberId([member.peerUrl], TOKEN);
    expect(ids).toEqual([
      ['cluster_id', computeClusterId([memberId])],
      ['ID', memberId],
    ]);
  });

  it('saves a snapshot that etcdctl snapshot status reads', async () => {
    const cluster = clusters.get(impl)!;
    for (let i = 0; i < 5; i++) expect((await cluster.etcdctl(['put', `snap/${i}`, `v${i}`])).code).toBe(0);
    const file = join(scratch, `${impl}.db`);
    const saved = await cluster.etcdctl(['snapshot', 'save', file]);
    expect(saved.code, saved.stderr).toBe(0);
    const status = await runEtcdctl(['snapshot', 'status', file, '-w', 'json']);
    expect(status.code, status.stderr).toBe(0);
    const parsed = JSON.parse(status.stdout) as { revision: number; totalKey: number };
    expect(parsed.revision).toBe(6);
    expect(parsed.totalKey).toBeGreaterThanOrEqual(5);
  });
});
