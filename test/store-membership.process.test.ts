// etcd's membership API through the Raft log, all through etcdctl against three `bin/barque etcd` processes: add a
// learner, start it with --initial-cluster-state existing (it catches up; as etcd's learners, it answers only
// serializable reads), promote it, remove an old member (which stops), the member list at each step; then a
// partition: with two members stopped (SIGSTOP) the third refuses linearizable reads rather than answer stale
// data, and answers again after SIGCONT. Multi-process, slow; loopback only; no timing assertions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdCluster, runEtcdctl, type EtcdctlResult, type EtcdMember } from '../src/store/testing/etcd-process.ts';
import { eventually } from './process-helpers.ts';

const TEST_TIMEOUT_MS = 300_000;


function at(members: readonly EtcdMember[]): string {
  return `--endpoints=${members.map((m) => m.clientUrl).join(',')}`;
}

async function ctl(members: readonly EtcdMember[], args: string[]): Promise<string> {
  const r = await runEtcdctl([at(members), '--command-timeout=15s', ...args], { timeoutMs: 40_000 });
  if (r.code !== 0) throw new Error(`etcdctl ${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** Answers that say nothing about the request itself: an election under load, as etcd gives them too. */
const TRANSIENT = ['etcdserver: unhealthy cluster', 'etcdserver: leader changed', 'etcdserver: request timed out', 'etcdserver: no leader'];

/**
 * etcdctl, again while the answer is transient: as etcd, membership changes wait until every voting member's peer
 * stream has been up for 5 s, and an election on a busy machine can cut a request off. A request cut off by an
 * election may still have been applied, so a retry can meet its own effect; `appliedAlready` recognises that.
 */
async function reconfigure(members: readonly EtcdMember[], args: string[], appliedAlready?: string): Promise<EtcdctlResult> {
  let retried = false;
  return eventually(`etcdctl ${args.join(' ')} past transient errors`, async () => {
    const r = await runEtcdctl([at(members), '--command-timeout=15s', ...args], { timeoutMs: 40_000 });
    if (TRANSIENT.some((t) => r.stderr.includes(t))) {
      retried = true;
      return undefined;
    }
    if (retried && appliedAlready !== undefined && r.stderr.includes(appliedAlready)) return { ...r, code: 0, stdout: '' };
    return r;
  });
}

/** Rows of an etcdctl table: cells trimmed, header and borders dropped. */
function tableRows(out: string): string[][] {
  const rows = out.split('\n').filter((l) => l.startsWith('|')).map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));
  return rows.slice(1);
}

/** member list -w table: [id, status, name, peer, client, learner] per member, sorted by peer URL. */
async function memberList(members: readonly EtcdMember[]): Promise<string[][]> {
  return tableRows(await ctl(members, ['member', 'list', '-w', 'table'])).sort((a, b) => a[3].localeCompare(b[3]));
}

describe('store: membership changes through the log, driven by etcdctl (process)', () => {
  let cluster: EtcdCluster;
  beforeAll(async () => {
    cluster = await EtcdCluster.start({ impl: 'barque', members: 3 });
  }, TEST_TIMEOUT_MS);
  afterAll(async () => cluster?.cleanup());

  it('adds a learner, catches it up, promotes it, and removes an old member', async () => {
    const [m0, m1, m2] = cluster.members;
    for (let i = 0; i < 20; i++) await ctl(cluster.members, ['put', `before/${i}`, `v${i}`]);

    // Errors with etcd's texts.
    const bad = await reconfigure([m0, m1, m2], ['member', 'add', 'dup', `--peer-urls=${m1.peerUrl}`]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('etcdserver: Peer URLs already exists');
    const gone = await reconfigure([m0, m1, m2], ['member', 'remove', 'abcdef12']);
    expect(gone.stderr).toContain('etcdserver: member not found');

    const m3 = await cluster.prepareMember('m3');
    const addedRun = await reconfigure([m0, m1, m2], ['member', 'add', 'm3', '--learner', `--peer-urls=${m3.peerUrl}`], 'etcdserver: Peer URLs already exists');
    expect(addedRun.code, addedRun.stderr).toBe(0);
    const added = addedRun.stdout;
    let list = await memberList([m0, m1, m2]);
    // etcdctl pads the ID to 16 places with spaces. A retried add (see reconfigure) printed nothing: the list has it.
    const id = added === '' ? list.find((r) => r[3] === m3.peerUrl)?.[0] : /Member +([0-9a-f]+) added to cluster +([0-9a-f]+)/.exec(added)?.[1];
    expect(id, added).toBeDefined();
    if (added !== '') {
      expect(added).toContain('ETCD_INITIAL_CLUSTER_STATE="existing"');
      expect(added).toContain(`m3=${m3.peerUrl}`);
    }

    expect(list).toHaveLength(4);
    expect(list.find((r) => r[0] === id)).toEqual([id, 'unstarted', '', m3.peerUrl, '', 'true']);
    expect(list.filter((r) => r[5] === 'false').map((r) => r[2]).sort()).toEqual(['m0', 'm1', 'm2']);

    const early = await runEtcdctl([at([m0, m1, m2]), 'member', 'promote', id!], { timeoutMs: 30_000 });
    expect(early.code).not.toBe(0);
    expect(early.stderr).toContain('etcdserver: can only promote a learner member which is in sync with leader');

    m3.launch();
    // A learner answers serializable reads only (etcd 3.4), so health is probed with one.
    await eventually('the learner to catch up', async () => {
      const r = await runEtcdctl([`--endpoints=${m3.clientUrl}`, '--command-timeout=3s', 'get', 'before/19', '--consistency=s', '--print-value-only'], {
        timeoutMs: 10_000,
      });
      return r.code === 0 && r.stdout.trim() === 'v19' ? true : undefined;
    });
    const lin = await runEtcdctl([`--endpoints=${m3.clientUrl}`, '--command-timeout=5s', 'get', 'before/0'], { timeoutMs: 20_000 });
    expect(lin.code).not.toBe(0);
    expect(lin.stderr).toContain('etcdserver: rpc not supported for learner');
    list = await memberList([m0, m1, m2]);
    expect(list.find((r) => r[0] === id)).toEqual([id, 'started', 'm3', m3.peerUrl, m3.clientUrl, 'true']);

    let attempts = 0;
    const promoted = await eventually('the promotion', async () => {
      attempts++;
      const r = await runEtcdctl([at([m0, m1, m2]), 'member', 'promote', id!], { timeoutMs: 30_000 });
      if (r.code === 0) return r.stdout;
      // An attempt cut off by an election may have been applied: the retry then finds a voter.
      return attempts > 1 && /can only promote a learner member(?! which)/.test(r.stderr) ? '' : undefined;
    });
    if (promoted !== '') expect(promoted).toMatch(new RegExp(`Member +${id} promoted in cluster +[0-9a-f]+`));
    list = await memberList([m0, m1, m2]);
    expect(list.every((r) => r[5] === 'false' && r[1] === 'started')).toBe(true);
    // The new member learnt the membership from the leader's snapshot: its list is everyone's.
    expect(await memberList([m3])).toEqual(list);
    expect(m3.log()).toContain('restored snapshot');
    // A voter now: linearizable reads of earlier keys on the new member.
    await eventually('a linearizable read on the promoted member', async () => {
      const r = await runEtcdctl([`--endpoints=${m3.clientUrl}`, '--command-timeout=5s', 'get', 'before/7', '--print-value-only'], { timeoutMs: 20_000 });
      return r.code === 0 && r.stdout.trim() === 'v7' ? true : undefined;
    });

    const m0Id = list.find((r) => r[2] === 'm0')![0];
    const removedRun = await reconfigure([m1, m2, m3], ['member', 'remove', m0Id], 'etcdserver: member not found');
    expect(removedRun.code, removedRun.stderr).toBe(0);
    const removed = removedRun.stdout;
    if (removed !== '') expect(removed).toMatch(new RegExp(`Member +${m0Id} removed from cluster +[0-9a-f]+`));
    await eventually('the removed member to stop', async () => (m0.running ? undefined : true));
    list = await memberList([m1, m2, m3]);
    expect(list.map((r) => r[2]).sort()).toEqual(['m1', 'm2', 'm3']);

    await ctl([m3], ['put', 'after', 'removal']);
    for (const m of [m1, m2, m3]) expect((await ctl([m], ['get', 'after', '--print-value-only'])).trim()).toBe('removal');
  }, TEST_TIMEOUT_MS);

  it('refuses linearizable reads on a member cut off from the others, never answering stale data', async () => {
    const live = cluster.members.filter((m) => m.running);
    expect(live).toHaveLength(3);
    const [alone, ...others] = live;
    await ctl(live, ['put', 'part', 'old']);
    for (const m of others) process.kill(-m.pid!, 'SIGSTOP');
    try {
      const r = await runEtcdctl([`--endpoints=${alone.clientUrl}`, '--command-timeout=10s', 'get', 'part', '--print-value-only'], { timeoutMs: 30_000 });
      expect(r.code, r.stdout).not.toBe(0);
      expect(r.stderr).toMatch(/etcdserver: (no leader|request timed out|leader changed)|context deadline exceeded/);
    } finally {
      for (const m of others) process.kill(-m.pid!, 'SIGCONT');
    }
    await eventually('the healed cluster to write', async () => {
      const r = await runEtcdctl([at(others), '--command-timeout=5s', 'put', 'part', 'new'], { timeoutMs: 20_000 });
      return r.code === 0 ? true : undefined;
    });
    // The write was acknowledged: the first linearizable read the healed member answers must see it.
    const read = await eventually('a linearizable read on the healed member', async () => {
      const r = await runEtcdctl([`--endpoints=${alone.clientUrl}`, '--command-timeout=5s', 'get', 'part', '--print-value-only'], { timeoutMs: 20_000 });
      return r.code === 0 ? r.stdout.trim() : undefined;
    });
    expect(read).toBe('new');
  }, TEST_TIMEOUT_MS);
});
