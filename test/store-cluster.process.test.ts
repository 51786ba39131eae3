// Three `bin/barque etcd` processes started with etcd's flags form one Raft cluster: membership and status as
// etcdctl shows them, writes through any member visible to linearizable reads on every member, and a kill -9 of
// the leader under writes: a new leader, every acknowledged write on the survivors (equal hashkv), and the old
// leader catching up after its restart. Multi-process, slow; loopback only; no timing assertions.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEtcdProtos } from '../src/store/proto/index.ts';
import { EtcdCluster, runEtcdctl, type EtcdMember } from '../src/store/testing/etcd-process.ts';
import { eventually, sleep } from './process-helpers.ts';

type Kv = grpc.Client & Record<string, (...args: unknown[]) => unknown>;

const TEST_TIMEOUT_MS = 300_000;

function kvClient(url: string): Kv {
  const { services } = loadEtcdProtos();
  return new services.KV.Client(url.replace(/^http:\/\//, ''), grpc.credentials.createInsecure()) as Kv;
}

function unary<T>(c: Kv, method: string, req: unknown, deadlineMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    c[method](req, { deadline: Date.now() + deadlineMs }, (err: unknown, resp: T) => (err ? reject(err) : resolve(resp)));
  });
}


async function ctl(members: readonly EtcdMember[], args: string[]): Promise<string> {
  const r = await runEtcdctl([`--endpoints=${members.map((m) => m.clientUrl).join(',')}`, '--command-timeout=10s', ...args], { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`etcdctl ${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** Rows of an etcdctl table: cells trimmed, header and borders dropped. */
function tableRows(out: string): string[][] {
  const rows = out.split('\n').filter((l) => l.startsWith('|')).map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));
  return rows.slice(1);
}

/** Client URLs of the members `endpoint status` reports as leader (asked of `members`). */
async function leaders(members: readonly EtcdMember[]): Promise<string[]> {
  const rows = tableRows(await ctl(members, ['endpoint', 'status', '-w', 'table']));
  return rows.filter((r) => r[4] === 'true').map((r) => r[0]);
}

/** endpoint hashkv per member's client URL. */
async function hashes(members: readonly EtcdMember[]): Promise<Map<string, string>> {
  const rows = tableRows(await ctl(members, ['endpoint', 'hashkv', '-w', 'table']));
  return new Map(rows.map((r) => [r[0], r[1]]));
}

async function keysOn(member: EtcdMember, prefix: string): Promise<Set<string>> {
  const c = kvClient(member.clientUrl);
  try {
    const end = Buffer.from(prefix);
    end[end.length - 1]++;
    const r = await unary<{ kvs: Array<{ key: Buffer }> }>(c, 'Range', { key: Buffer.from(prefix), range_end: end });
    return new Set(r.kvs.map((kv) => kv.key.toString()));
  } finally {
    c.close();
  }
}

describe('store: three barque processes form one Raft cluster (process)', () => {
  let cluster: EtcdCluster;
  beforeAll(async () => {
    cluster = await EtcdCluster.start({ impl: 'barque', members: 3 });
  }, TEST_TIMEOUT_MS);
  afterAll(async () => cluster?.cleanup());

  it('lists every member and shows exactly one leader', async () => {
    const list = tableRows(await cluster.etcdctl(['member', 'list', '-w', 'table']).then((r) => r.stdout));
    expect(list.map((r) => r[2]).sort()).toEqual(['m0', 'm1', 'm2']);
    expect(list.every((r) => r[1] === 'started')).toBe(true);
    expect(list.map((r) => r[4]).sort()).toEqual(cluster.clientUrls().sort());

    const status = await ctl(cluster.members, ['endpoint', 'status', '--cluster', '-w', 'table']);
    const rows = tableRows(status);
    expect(rows).toHaveLength(3);
    expect(rows.filter((r) => r[4] === 'true'), status).toHaveLength(1);
    expect(new Set(rows.map((r) => r[6])).size, 'one raft term').toBe(1);
  }, TEST_TIMEOUT_MS);

  it('serves writes on every member and linearizable reads of them from every member', async () => {
    for (const m of cluster.members) {
      const r = await runEtcdctl([`--endpoints=${m.clientUrl}`, 'put', `each/${m.name}`, `from-${m.name}`], { timeoutMs: 30_000 });
      expect(r.code, r.stderr).toBe(0);
    }
    for (const m of cluster.members) {
      const r = await runEtcdctl([`--endpoints=${m.clientUrl}`, 'get', '--prefix', 'each/'], { timeoutMs: 30_000 });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim().split('\n')).toEqual(['each/m0', 'from-m0', 'each/m1', 'from-m1', 'each/m2', 'from-m2']);
    }
  }, TEST_TIMEOUT_MS);

  it('moves leadership to another member with etcdctl move-leader', async () => {
    const rows = tableRows(await ctl(cluster.members, ['endpoint', 'status', '-w', 'table']));
    const target = rows.find((r) => r[4] === 'false')!;
    const out = await ctl(cluster.members, ['move-leader', target[1]]);
    expect(out).toContain(`Leadership transferred from`);
    await eventually('the target to lead', async () => {
      const l = await leaders(cluster.members);
      return l.length === 1 && l[0] === target[0] ? true : undefined;
    });
  }, TEST_TIMEOUT_MS);

  it('survives a kill -9 of the leader under writes and catches the old leader up after its restart', async () => {
    const [leaderUrl] = await leaders(cluster.members);
    const leader = cluster.members.find((m) => m.clientUrl === leaderUrl)!;
    const survivors = cluster.members.filter((m) => m !== leader);
    const clients = new Map(cluster.members.map((m) => [m, kvClient(m.clientUrl)]));

    const acked = new Set<string>();
    let next = 0;
    let stop = false;
    let leaderDead = false;
    let ackedAfterKill = 0;
    const worker = async (w: number) => {
      while (!stop) {
        const i = next++;
        const targets = leaderDead ? survivors : cluster.members;
        const target = targets[(i + w) % targets.length];
        const key = `kill/${String(i).padStart(6, '0')}`;
        try {
          await unary(clients.get(target)!, 'Put', { key: Buffer.from(key), value: Buffer.from(`v${i}`) }, 5_000);
          acked.add(key);
          if (leaderDead) ackedAfterKill++;
        } catch {
          await sleep(50); // no leader yet, or the target is the dead member: try elsewhere
        }
      }
    };
    const workers = Array.from({ length: 8 }, (_, w) => worker(w));
    await eventually('writes before the kill', async () => (acked.size >= 300 ? true : undefined));
    await leader.kill9();
    leaderDead = true;
    await eventually('a new leader among the survivors', async () => {
      const l = await leaders(survivors);
      return l.length === 1 ? l : undefined;
    });
    await eventually('writes acknowledged after the kill', async () => (ackedAfterKill >= 200 ? true : undefined), 120_000);
    stop = true;
    await Promise.all(workers);
    for (const c of clients.values()) c.close();

    for (const m of survivors) {
      const present = await keysOn(m, 'kill/');
      const missing = [...acked].filter((k) => !present.has(k));
      expect(missing, `acknowledged writes missing on ${m.name}`).toEqual([]);
    }
    await eventually('equal hashkv on the survivors', async () => {
      const h = await hashes(survivors);
      return new Set(h.values()).size === 1 ? h : undefined;
    });

    leader.launch();
    await leader.waitHealthy();
    await eventually('the restarted member to catch up (equal hashkv everywhere)', async () => {
      const h = await hashes(cluster.members);
      return h.size === 3 && new Set(h.values()).size === 1 ? h : undefined;
    });
    const present = await keysOn(leader, 'kill/');
    expect([...acked].filter((k) => !present.has(k)), 'acknowledged writes missing on the restarted member').toEqual([]);
    const status = tableRows(await ctl(cluster.members, ['endpoint', 'status', '-w', 'table']));
    expect(status.filter((r) => r[4] === 'true')).toHaveLength(1);
  }, TEST_TIMEOUT_MS);

  it('answers "etcdserver: no leader" to a request requiring a leader once quorum is lost', async () => {
    const [alone, ...others] = cluster.members;
    for (const m of others) await m.kill9();
    const c = kvClient(alone.clientUrl);
    try {
      const md = new grpc.Metadata();
      md.set('hasleader', 'true');
      const err = await eventually('the survivor to know no leader', async () => {
        try {
          await new Promise((resolve, reject) => {
            c.Range({ key: Buffer.from('each/m0') }, md, { deadline: Date.now() + 5_000 }, (e: unknown, r: unknown) => (e ? reject(e) : resolve(r)));
          });
          return undefined;
        } catch (e) {
          const se = e as grpc.ServiceError;
          return se.details === 'etcdserver: no leader' ? se : undefined;
        }
      });
      expect(err.code).toBe(grpc.status.UNAVAILABLE);
    } finally {
      c.close();
    }
  }, TEST_TIMEOUT_MS);
});
