// Failover, the replication issue's must-show: three `bin/barque etcd` processes under continuous writes (several
// concurrent writers, each recording every acknowledged key); kill -9 of the leader; a new leader (its election
// time measured by polling the survivors' Status every ~20 ms and printed, not asserted); writes go on; the killed
// member restarts and catches up; then every acknowledged write is on all three members (serializable reads, each
// member's own state) and HashKV at one revision is equal on all three. Multi-process, slow; generous bounds only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdCluster, type EtcdMember } from '../src/store/testing/etcd-process.ts';
import { client, eventually, serializableKeys, sleep, unary, type EtcdClient } from './store-cluster-helpers.ts';

const TEST_TIMEOUT_MS = 400_000;
const WRITERS = 4;
/** etcd's default, which the members run with. */
const ELECTION_TIMEOUT_MS = 1000;

interface StatusReply {
  header: { member_id: unknown };
  leader: unknown;
  raftTerm: unknown;
}

async function status(c: EtcdClient, deadlineMs = 1_000): Promise<{ id: string; leader: string; term: number }> {
  const s = await unary<StatusReply>(c, 'Status', {}, deadlineMs);
  return { id: String(s.header.member_id), leader: String(s.leader), term: Number(s.raftTerm) };
}

/** Continuous writers: each puts its own keys, moving to the next live member on any failure. */
class Writers {
  readonly acked = new Set<string>();
  private stopped = false;
  private readonly done: Array<Promise<void>>;

  constructor(
    private readonly members: readonly EtcdMember[],
    private readonly kv: Map<EtcdMember, EtcdClient>,
  ) {
    this.done = Array.from({ length: WRITERS }, (_, w) => this.run(w));
  }

  private async run(w: number): Promise<void> {
    let seq = 0;
    let at = w % this.members.length;
    while (!this.stopped) {
      const target = this.members[at];
      if (!target.running) {
        at = (at + 1) % this.members.length;
        await sleep(10);
        continue;
      }
      const key = `failover/w${w}/${String(seq++).padStart(6, '0')}`;
      try {
        await unary(this.kv.get(target)!, 'Put', { key: Buffer.from(key), value: Buffer.from(`v-${key}`) }, 5_000);
        this.acked.add(key);
      } catch {
        // Not acknowledged (maybe applied all the same): the key is not counted. Try the next member.
        at = (at + 1) % this.members.length;
        await sleep(20);
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.done);
  }
}

describe('store: kill -9 of the leader under continuous writes (process)', () => {
  let cluster: EtcdCluster;
  const clients: EtcdClient[] = [];
  beforeAll(async () => {
    cluster = await EtcdCluster.start({ impl: 'barque', members: 3 });
  }, TEST_TIMEOUT_MS);
  afterAll(async () => {
    for (const c of clients) c.close();
    await cluster?.cleanup();
  });

  it('elects a new leader, loses no acknowledged write, and catches the killed member up', async () => {
    const members = cluster.members;
    const kv = new Map(members.map((m) => [m, client(m, 'KV')]));
    const maintenance = new Map(members.map((m) => [m, client(m, 'Maintenance')]));
    clients.push(...kv.values(), ...maintenance.values());

    const ids = new Map<EtcdMember, string>();
    for (const m of members) ids.set(m, (await status(maintenance.get(m)!, 10_000)).id);
    const first = await eventually('one leader', async () => {
      const s = await status(maintenance.get(members[0])!, 5_000);
      return s.leader !== '0' ? s : undefined;
    });
    const leader = members.find((m) => ids.get(m) === first.leader)!;
    const survivors = members.filter((m) => m !== leader);

    const writers = new Writers(members, kv);
    try {
      await eventually('writes before the kill', async () => (writers.acked.size >= 60 ? true : undefined));

      const killedAt = performance.now();
      await leader.kill9();
      // Every ~20 ms, each survivor's Status: the first that names a leader other than the dead one.
      const elected = await eventually(
        'a new leader',
        async () => {
          const replies = await Promise.allSettled(survivors.map((m) => status(maintenance.get(m)!, 500)));
          for (const r of replies) {
            if (r.status === 'fulfilled' && r.value.leader !== '0' && r.value.leader !== first.leader) return { ...r.value, at: performance.now() };
          }
          return undefined;
        },
        120_000,
        20,
      );
      const electionMs = elected.at - killedAt;
      console.log(
        `failover: new leader ${BigInt(elected.leader).toString(16)} in term ${elected.term} ${electionMs.toFixed(0)} ms after kill -9 ` +
          `(election timeout ${ELECTION_TIMEOUT_MS} ms, ratio ${(electionMs / ELECTION_TIMEOUT_MS).toFixed(2)})`,
      );
      expect(survivors.map((m) => ids.get(m))).toContain(elected.leader);
      expect(elected.term).toBeGreaterThan(first.term);

      const ackedAtElection = writers.acked.size;
      await eventually('writes under the new leader', async () => (writers.acked.size >= ackedAtElection + 60 ? true : undefined));

      leader.launch();
      await leader.waitHealthy(120_000);
      const ackedAtRestart = writers.acked.size;
      await eventually('writes with the member back', async () => (writers.acked.size >= ackedAtRestart + 30 ? true : undefined));
    } finally {
      await writers.stop();
    }

    const acked = [...writers.acked];
    expect(acked.length).toBeGreaterThanOrEqual(150);
    for (const m of members) {
      const missing = await eventually(`every acknowledged write on ${m.name}`, async () => {
        const present = await serializableKeys(m, 'failover/');
        const lost = acked.filter((k) => present.get(k) !== `v-${k}`);
        return lost.length === 0 ? lost : undefined;
      });
      expect(missing).toEqual([]);
    }

    // HashKV at one revision (every member at or past it) is the same everywhere.
    const { header } = await unary<{ header: { revision: unknown } }>(kv.get(survivors[0])!, 'Range', { key: Buffer.from('failover/') }, 10_000);
    const revision = String(header.revision);
    const hashes = await eventually('HashKV on every member', async () => {
      const all = await Promise.all(members.map((m) => unary<{ hash: unknown }>(maintenance.get(m)!, 'HashKV', { revision }, 5_000)));
      return all.map((h) => String(h.hash));
    });
    expect(new Set(hashes).size, `hashes at revision ${revision}: ${hashes.join(', ')}`).toBe(1);
  }, TEST_TIMEOUT_MS);
});
