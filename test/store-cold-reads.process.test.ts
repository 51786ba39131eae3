// A 3-member barque cluster that keeps nothing in memory it can read from disk (BARQUE_RESIDENT_ENTRY_BYTES=0,
// BARQUE_RESIDENT_VALUE_BYTES=0): every latest value, previous value and Raft entry past the one being written is
// read back, through real etcdctl 3.4 and the etcd3 client, across kill -9 and a follower catching up from the WAL.
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdCluster } from '../src/store/testing/etcd-process.ts';

const COLD = { BARQUE_RESIDENT_ENTRY_BYTES: '0', BARQUE_RESIDENT_VALUE_BYTES: '0' };
const value = (i: number, round = 0) => `v${round}-${i}-`.padEnd(300, String(i % 10));

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('store with every value and Raft entry read back from disk (process)', () => {
  let cluster: EtcdCluster;
  let client: Etcd3;
  const ctl = async (args: string[], endpoint?: string) => {
    const r = await cluster.etcdctl(endpoint === undefined ? args : [...args, `--endpoints=${endpoint}`]);
    expect(r.code, `etcdctl ${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r.stdout;
  };

  beforeAll(async () => {
    cluster = await EtcdCluster.start({
      impl: 'barque',
      members: 3,
      beforeLaunch: async (members) => {
        for (const m of members) m.config.env = { ...m.config.env, ...COLD };
      },
    });
    client = new Etcd3({ hosts: cluster.clientUrls() });
  }, 120_000);
  afterAll(async () => {
    client?.close();
    await cluster?.cleanup();
  });

  it('reads, compares, prev_kv and watches see the written values', async () => {
    for (let i = 0; i < 40; i++) await ctl(['put', `k/${i}`, value(i)]);
    const listed = (await ctl(['get', 'k/', '--prefix', '--print-value-only'])).trim().split('\n');
    expect(listed.sort()).toEqual(Array.from({ length: 40 }, (_, i) => value(i)).sort());

    const seen: string[] = [];
    const watcher = await client.watch().prefix('k/').withPreviousKV().create();
    watcher.on('put', (kv, prev) => seen.push(`put ${kv.key}=${kv.value.toString().slice(0, 6)} prev=${prev?.value.toString().slice(0, 6)}`));
    watcher.on('delete', (kv, prev) => seen.push(`delete ${kv.key} prev=${prev?.value.toString().slice(0, 6)}`));

    expect(await ctl(['put', 'k/1', value(1, 1), '--prev-kv'])).toBe(`OK\nk/1\n${value(1)}\n`);
    expect(await ctl(['del', 'k/2', '--prev-kv'])).toBe(`1\nk/2\n${value(2)}\n`);
    const cas = await client.if('k/3', 'Value', '==', value(3)).then(client.put('k/3').value(value(3, 1))).commit();
    expect(cas.succeeded).toBe(true);
    expect(await ctl(['put', 'k/4', '--ignore-value'])).toBe('OK\n');
    expect(await client.get('k/4').string()).toBe(value(4));
    await until('the watch events', async () => seen.length >= 4);
    expect(seen).toEqual([`put k/1=v1-1-1 prev=v0-1-1`, `delete k/2 prev=v0-2-2`, `put k/3=v1-3-3 prev=v0-3-3`, `put k/4=v0-4-4 prev=v0-4-4`]);
    await watcher.cancel();
  }, 120_000);

  it('a killed follower catches up from the leader WAL, and a restart reads its own back', async () => {
    const roles = await Promise.all(
      cluster.members.map(async (m) => {
        const one = new Etcd3({ hosts: m.clientUrl });
        try {
          const s = await one.maintenance.status();
          return s.leader === s.header.member_id;
        } finally {
          one.close();
        }
      }),
    );
    const follower = cluster.members[roles.indexOf(false)];
    const others = cluster.members.filter((m) => m !== follower);
    await follower.kill9();
    const local = new Etcd3({ hosts: others.map((m) => m.clientUrl) });
    try {
      for (let i = 100; i < 400; i++) await local.put(`k/${i}`).value(value(i));
    } finally {
      local.close();
    }
    await follower.restart();
    const expected = (await ctl(['get', 'k/', '--prefix', '-w', 'json', '--consistency=s'], others[0].clientUrl)).match(/"revision":(\d+)/)?.[1];
    await until('the follower to catch up', async () => {
      const got = await cluster.etcdctl(['get', 'k/', '--prefix', '--limit=1', '-w', 'json', '--consistency=s', `--endpoints=${follower.clientUrl}`]);
      return got.stdout.includes(`"revision":${expected}`);
    }).catch((err: Error) => {
      throw new Error(`${err.message}; the follower's log:\n${follower.log().slice(-6000)}`);
    });
    const onFollower = await ctl(['get', 'k/', '--prefix', '--print-value-only', '--consistency=s'], follower.clientUrl);
    const onOther = await ctl(['get', 'k/', '--prefix', '--print-value-only', '--consistency=s'], others[0].clientUrl);
    expect(onFollower).toBe(onOther);
    expect(onFollower.trim().split('\n')).toHaveLength(39 + 300);
    expect(onFollower).toContain(value(399));
  }, 180_000);
});
