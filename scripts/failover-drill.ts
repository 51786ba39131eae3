// Kill-the-leader drill: starts a fresh 3-member cluster (barque by default, or real etcd 3.4 for comparison)
// under a light continuous write load (four writers), then N times: kill -9 the leader, time until a survivor's Status names a
// new leader (polled every ~20 ms), restart the killed member and wait until it follows and has caught up. Prints
// each round and min/median/max time-to-new-leader against the election timeout; kills everything at the end.
//
//   npx tsx scripts/failover-drill.ts [--rounds 5] [--impl barque|etcd] [--election-timeout 1000] [--heartbeat-interval 100]
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { loadEtcdProtos } from '../src/store/proto/index.ts';
import { EtcdCluster, type EtcdImpl, type EtcdMember } from '../src/store/testing/etcd-process.ts';

type Client = grpc.Client & Record<string, (...args: unknown[]) => unknown>;

interface MemberStatus {
  id: string;
  leader: string;
  term: number;
  raftIndex: number;
}

const POLL_MS = 20;
const WAIT_BOUND_MS = 120_000;
const WRITERS = 4;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function unary<T>(c: Client, method: string, req: unknown, deadlineMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    c[method](req, { deadline: Date.now() + deadlineMs }, (err: unknown, resp: T) => (err ? reject(err) : resolve(resp)));
  });
}

async function status(c: Client, deadlineMs = 500): Promise<MemberStatus> {
  const s = await unary<{ header: { member_id: unknown }; leader: unknown; raftTerm: unknown; raftIndex: unknown }>(c, 'Status', {}, deadlineMs);
  return { id: String(s.header.member_id), leader: String(s.leader), term: Number(s.raftTerm), raftIndex: Number(s.raftIndex) };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, pollMs = POLL_MS): Promise<T> {
  const deadline = performance.now() + WAIT_BOUND_MS;
  while (performance.now() < deadline) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    await sleep(pollMs);
  }
  throw new Error(`no ${what} within ${WAIT_BOUND_MS} ms`);
}

/**
 * A few put loops over the live members, so that each kill happens under writes. Several, with a short deadline:
 * etcd holds a proposal made without a leader until its request timeout, which would stall a single loop.
 */
function startWriters(members: readonly EtcdMember[], kv: Map<EtcdMember, Client>): { stop: () => Promise<{ acked: number; failed: number }> } {
  let stopped = false;
  let acked = 0;
  let failed = 0;
  const loop = async (w: number): Promise<void> => {
    for (let i = w; !stopped; i += WRITERS) {
      const live = members.filter((m) => m.running);
      if (live.length === 0) {
        await sleep(POLL_MS);
        continue;
      }
      try {
        await unary(kv.get(live[i % live.length])!, 'Put', { key: Buffer.from(`drill/${i % 1000}`), value: Buffer.from(String(i)) }, 2_000);
        acked++;
      } catch {
        failed++;
        await sleep(POLL_MS);
      }
    }
  };
  const loops = Array.from({ length: WRITERS }, (_, w) => loop(w));
  return {
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
      return { acked, failed };
    },
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '5' },
      impl: { type: 'string', default: 'barque' },
      'election-timeout': { type: 'string', default: '1000' },
      'heartbeat-interval': { type: 'string', default: '100' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write('usage: npx tsx scripts/failover-drill.ts [--rounds N] [--impl barque|etcd] [--election-timeout MS] [--heartbeat-interval MS]\n');
    return 0;
  }
  const rounds = Number(values.rounds);
  const impl = values.impl as EtcdImpl;
  const electionMs = Number(values['election-timeout']);
  if (!Number.isInteger(rounds) || rounds < 1 || (impl !== 'barque' && impl !== 'etcd')) {
    process.stderr.write('--rounds must be a positive integer and --impl barque or etcd\n');
    return 2;
  }
  process.stdout.write(`starting 3 ${impl} members (election timeout ${electionMs} ms)...\n`);
  const cluster = await EtcdCluster.start({
    impl,
    members: 3,
    extraArgs: [`--election-timeout=${electionMs}`, `--heartbeat-interval=${values['heartbeat-interval']}`],
  });
  const { services } = loadEtcdProtos();
  const address = (m: EtcdMember): string => m.clientUrl.replace(/^http:\/\//, '');
  const maint = new Map(cluster.members.map((m) => [m, new services.Maintenance.Client(address(m), grpc.credentials.createInsecure()) as Client]));
  const kv = new Map(cluster.members.map((m) => [m, new services.KV.Client(address(m), grpc.credentials.createInsecure()) as Client]));
  const writer = startWriters(cluster.members, kv);
  const times: number[] = [];
  try {
    const ids = new Map<string, EtcdMember>();
    for (const m of cluster.members) ids.set((await status(maint.get(m)!, 5_000)).id, m);
    for (let round = 1; round <= rounds; round++) {
      const current = await until('agreed leader', async () => {
        const all = await Promise.all(cluster.members.map((m) => status(maint.get(m)!)));
        const lead = all[0].leader;
        return lead !== '0' && all.every((s) => s.leader === lead) ? all.find((s) => s.id === lead) : undefined;
      });
      const victim = ids.get(current.leader)!;
      const survivors = cluster.members.filter((m) => m !== victim);
      const killedAt = performance.now();
      await victim.kill9();
      const elected = await until('new leader', async () => {
        const replies = await Promise.allSettled(survivors.map((m) => status(maint.get(m)!)));
        for (const r of replies) if (r.status === 'fulfilled' && r.value.leader !== '0' && r.value.leader !== current.leader) return r.value;
        return undefined;
      });
      const ms = performance.now() - killedAt;
      times.push(ms);
      process.stdout.write(
        `round ${round}: killed ${victim.name} (leader in term ${current.term}); ${ids.get(elected.leader)?.name} leads in term ${elected.term} ` +
          `after ${ms.toFixed(0)} ms (${(ms / electionMs).toFixed(2)}x the election timeout)\n`,
      );
      victim.launch();
      await victim.waitHealthy(WAIT_BOUND_MS);
      // Caught up: it follows the new leader and has reached the leader's raft index of a moment ago.
      const target = (await status(maint.get(ids.get(elected.leader)!)!, 5_000)).raftIndex;
      await until('restarted member caught up', async () => {
        const s = await status(maint.get(victim)!);
        return s.leader !== '0' && s.raftIndex >= target ? true : undefined;
      }, 100);
    }
  } finally {
    const w = await writer.stop();
    for (const c of [...maint.values(), ...kv.values()]) c.close();
    await cluster.cleanup();
    process.stdout.write(`writes during the drill: ${w.acked} acknowledged, ${w.failed} failed (during elections)\n`);
  }
  const within = times.filter((t) => t <= 2 * electionMs).length;
  process.stdout.write(
    `\n${impl}: time from kill -9 to a new leader over ${times.length} rounds: min ${Math.min(...times).toFixed(0)} ms, ` +
      `median ${median(times).toFixed(0)} ms, max ${Math.max(...times).toFixed(0)} ms; election timeout ${electionMs} ms; ` +
      `${within}/${times.length} within 2x (${2 * electionMs} ms)\n`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`failover-drill: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
