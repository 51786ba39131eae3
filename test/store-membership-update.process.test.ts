// etcdctl member update against three members, barque beside real etcd 3.4.23 run the same way in this test: a
// member's peer URL moves to a second URL it also listens on; etcdctl prints the same thing for both (IDs
// normalized), the member list shows the new URL, and the cluster keeps replicating over it. Error cases (unknown
// member, a peer URL another member has) print etcd's texts. Multi-process, slow; no timing assertions.
import { afterAll, describe, expect, it } from 'vitest';
import { allocateLoopbackPorts, EtcdCluster, runEtcdctl, type EtcdImpl } from '../src/store/testing/etcd-process.ts';
import { endpoints, eventually, memberList, reconfigure } from './store-cluster-helpers.ts';

const TEST_TIMEOUT_MS = 300_000;

interface Transcript {
  /** [code, stdout, stderr] per invocation, IDs replaced by names. */
  outputs: string[][];
  /** member list rows after the update: [status, name, peer URL (port replaced by its role), learner]. */
  listAfter: string[][];
}

async function run(impl: EtcdImpl, clusters: EtcdCluster[]): Promise<Transcript> {
  const altPeerUrls = new Map<string, string>();
  const cluster = await EtcdCluster.start({
    impl,
    members: 3,
    beforeLaunch: async (members) => {
      const ports = await allocateLoopbackPorts(members.length);
      members.forEach((m, i) => {
        altPeerUrls.set(m.name, `http://127.0.0.1:${ports[i]}`);
        // Later flags win, as with etcd's: each member also listens on a second peer URL.
        m.config.extraArgs = [...m.config.extraArgs, `--listen-peer-urls=${m.peerUrl},${altPeerUrls.get(m.name)}`];
      });
    },
  });
  clusters.push(cluster);
  const [m0, m1, m2] = cluster.members;
  const list = await memberList(cluster.members);
  const idOf = (name: string): string => list.find((r) => r[2] === name)![0];
  const status = await runEtcdctl([endpoints([m0]), 'endpoint', 'status', '-w', 'json']);
  const clusterId = BigInt(/"cluster_id":(\d+)/.exec(status.stdout)![1]).toString(16);
  const normalize = (text: string): string => {
    // etcdctl pads IDs to 16 places: IDs differ between the runs (ports differ), so does their padding.
    let out = text.replace(/ +/g, ' ');
    // etcdctl's own log lines carry the time and a client-chosen target; the gRPC code and text stay.
    out = out.replace(/"ts":"[^"]*"/g, '"ts":"<ts>"').replace(/"target":"[^"]*"/g, '"target":"<target>"');
    for (const r of list) out = out.replaceAll(r[0], `<id ${r[2]}>`);
    out = out.replaceAll(clusterId, '<cluster>');
    for (const m of cluster.members) out = out.replaceAll(m.peerUrl, `<peer ${m.name}>`).replaceAll(altPeerUrls.get(m.name)!, `<alt peer ${m.name}>`);
    return out;
  };
  const outputs: string[][] = [];
  const update = async (args: string[], appliedAlready?: string): Promise<void> => {
    const r = await reconfigure(cluster.members, ['member', 'update', ...args], appliedAlready);
    outputs.push([String(r.code), normalize(r.stdout), normalize(r.stderr)]);
  };
  await update([idOf('m1'), `--peer-urls=${altPeerUrls.get('m1')}`]);
  await update(['abcdef12', `--peer-urls=http://127.0.0.1:1`]);
  await update([idOf('m2'), `--peer-urls=${m0.peerUrl}`]);

  const after = await memberList(cluster.members);
  // The cluster replicates to m1 over its new peer URL: a write through m0 is read back linearizably on m1.
  const put = await reconfigure([m0], ['put', 'moved', 'yes']);
  expect(put.code, put.stderr).toBe(0);
  const value = await eventually('the write on the moved member', async () => {
    const r = await runEtcdctl([endpoints([m1]), '--command-timeout=5s', 'get', 'moved', '--print-value-only'], { timeoutMs: 20_000 });
    return r.code === 0 ? r.stdout.trim() : undefined;
  });
  expect(value).toBe('yes');
  expect(m2.running).toBe(true);
  return { outputs, listAfter: after.map((r) => [r[1], r[2], normalize(r[3]), r[5]]).sort((a, b) => a[1].localeCompare(b[1])) };
}

describe('store: etcdctl member update, barque vs etcd 3.4.23 (process)', () => {
  const clusters: EtcdCluster[] = [];
  afterAll(async () => {
    for (const c of clusters) await c.cleanup();
  });

  it('prints what etcd prints and moves the member to its new peer URL', async () => {
    const etcd = await run('etcd', clusters);
    await clusters[0].cleanup();
    const barque = await run('barque', clusters);
    expect(etcd.outputs[0][0]).toBe('0');
    expect(etcd.outputs[0][1]).toMatch(/^Member <id m1> updated in cluster <cluster>\n$/);
    expect(etcd.listAfter.find((r) => r[1] === 'm1')).toEqual(['started', 'm1', '<alt peer m1>', 'false']);
    expect(barque).toEqual(etcd);
  }, TEST_TIMEOUT_MS);
});
