// Starts a local etcd-compatible cluster (real etcd 3.4 or barque) on free loopback ports and keeps it running
// until Ctrl-C, then kills every member and removes its data.
//
//   tsx scripts/etcd-cluster.ts --impl barque|etcd [--members 3] [--keep-data] [-- extra member flags...]
import { parseArgs } from 'node:util';
import { EtcdCluster, type EtcdImpl } from '../src/store/testing/etcd-process.ts';

const usage = 'usage: tsx scripts/etcd-cluster.ts --impl barque|etcd [--members N] [-- extra member flags...]';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: {
      impl: { type: 'string', default: 'barque' },
      members: { type: 'string', default: '3' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const impl = values.impl;
  if (impl !== 'barque' && impl !== 'etcd') {
    process.stderr.write(`--impl must be barque or etcd\n${usage}\n`);
    return 2;
  }
  const members = Number(values.members);
  process.stdout.write(`starting ${members} ${impl} member(s)...\n`);
  const cluster = await EtcdCluster.start({ impl: impl as EtcdImpl, members, extraArgs: positionals });
  for (const m of cluster.members) {
    process.stdout.write(`${m.name}\tpid ${m.pid}\tclient ${m.clientUrl}\tpeer ${m.peerUrl}\tdata ${m.dataDir}\n`);
  }
  process.stdout.write(`\nETCDCTL_API=3 etcdctl --endpoints=${cluster.clientUrls().join(',')} member list\n`);
  process.stdout.write('running; Ctrl-C stops every member and removes the data\n');

  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  process.stdout.write('\nstopping...\n');
  await cluster.stop(5_000);
  await cluster.cleanup();
  process.stdout.write('stopped; data removed\n');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`etcd-cluster: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
