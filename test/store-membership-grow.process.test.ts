// A single `bin/barque etcd` member grows into a three-member cluster, as with etcd: its writes went through its
// Raft log, `etcdctl member add` adds a voter, the new member starts with --initial-cluster-state existing and
// catches up from the leader's snapshot; then a third the same way. Every key written before, between and after
// is on every member (serializable reads, each member's own state). Multi-process, slow; no timing assertions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdCluster, type EtcdMember } from '../src/store/testing/etcd-process.ts';
import { ctl, eventually, memberList, reconfigure, serializableKeys, tableRows } from './store-cluster-helpers.ts';

const TEST_TIMEOUT_MS = 400_000;

async function addVoter(cluster: EtcdCluster, name: string): Promise<EtcdMember> {
  const running = cluster.members.filter((m) => m.running);
  const member = await cluster.prepareMember(name);
  const added = await reconfigure(running, ['member', 'add', name, `--peer-urls=${member.peerUrl}`], 'etcdserver: Peer URLs already exists');
  expect(added.code, added.stderr).toBe(0);
  if (added.stdout !== '') {
    expect(added.stdout).toMatch(/Member +[0-9a-f]+ added to cluster +[0-9a-f]+/);
    expect(added.stdout).toContain('ETCD_INITIAL_CLUSTER_STATE="existing"');
  }
  member.launch();
  await member.waitHealthy(120_000);
  return member;
}

describe('store: a single member grows into a cluster with etcdctl member add (process)', () => {
  let cluster: EtcdCluster;
  beforeAll(async () => {
    cluster = await EtcdCluster.start({ impl: 'barque', members: 1 });
  }, TEST_TIMEOUT_MS);
  afterAll(async () => cluster?.cleanup());

  it('adds a second and a third member; every key is on every member', async () => {
    const [m0] = cluster.members;
    // A single member leads at once, in etcd's first term after bootstrap.
    const [status] = tableRows(await ctl([m0], ['endpoint', 'status', '-w', 'table']));
    expect([status[4], status[6]]).toEqual(['true', '2']);
    const expected = new Map<string, string>();
    const put = async (members: readonly EtcdMember[], key: string): Promise<void> => {
      await ctl(members, ['put', key, `v-${key}`]);
      expected.set(key, `v-${key}`);
    };
    for (let i = 0; i < 30; i++) await put([m0], `grow/alone/${i}`);

    const m1 = await addVoter(cluster, 'm1');
    for (let i = 0; i < 10; i++) await put([m0, m1], `grow/two/${i}`);
    expect(m1.log()).toContain('restored snapshot');

    const m2 = await addVoter(cluster, 'm2');
    for (let i = 0; i < 10; i++) await put([m2], `grow/three/${i}`);

    const all = [m0, m1, m2];
    for (const m of all) {
      const keys = await eventually(`every key on ${m.name}`, async () => {
        const got = await serializableKeys(m, 'grow/');
        return got.size === expected.size ? got : undefined;
      });
      expect(keys).toEqual(expected);
    }
    const list = await memberList(all);
    expect(list.map((r) => r[2]).sort()).toEqual(['m0', 'm1', 'm2']);
    expect(list.every((r) => r[1] === 'started' && r[5] === 'false')).toBe(true);
    for (const m of all) expect(await memberList([m])).toEqual(list);
  }, TEST_TIMEOUT_MS);
});
