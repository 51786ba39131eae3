// Sequential single-client put latency against each member of a fresh 3-member cluster, leader and followers
// apart (a follower's put takes one more hop: it is forwarded to the leader and answered after the follower
// applies it), through the npm etcd3 client:
//
//   tsx bench/kv/put-latency-by-role.ts [barque|etcd] [--puts 400]
//
// A probe for where single-client latency goes, not a benchmark table: the bench's `put c=1` row is the figure.
import { parseArgs } from 'node:util';
import { Etcd3 } from 'etcd3';
import { EtcdCluster, type EtcdImpl } from '../../src/store/testing/etcd-process.ts';

const { values, positionals } = parseArgs({ options: { puts: { type: 'string', default: '400' } }, allowPositionals: true });
const impl = (positionals[0] ?? 'barque') as EtcdImpl;
const puts = Number(values.puts);
const value = 'x'.repeat(1024);

const cluster = await EtcdCluster.start({ impl, members: 3 });
try {
  for (const url of cluster.clientUrls()) {
    const client = new Etcd3({ hosts: url });
    try {
      const status = await client.maintenance.status();
      const role = status.leader === status.header.member_id ? 'leader' : 'follower';
      for (let i = 0; i < 50; i++) await client.put(`warm/${i}`).value(value);
      const ms: number[] = [];
      for (let i = 0; i < puts; i++) {
        const t = performance.now();
        await client.put(`probe/${i}`).value(value);
        ms.push(performance.now() - t);
      }
      ms.sort((a, b) => a - b);
      const q = (p: number): string => ms[Math.floor(p * (ms.length - 1))].toFixed(2);
      process.stdout.write(`${impl} ${role.padEnd(8)} ${url}: p50 ${q(0.5)} ms, p90 ${q(0.9)} ms, p99 ${q(0.99)} ms\n`);
    } finally {
      client.close();
    }
  }
} finally {
  await cluster.cleanup();
}
