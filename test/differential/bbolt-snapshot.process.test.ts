// bbolt compatibility with real etcd 3.4.23, multi-process and slow:
//  1. a snapshot real etcd streams (`etcdctl snapshot save`) is read by our reader with the same contents etcd
//     serves and the same hash/revision/key count `etcdctl snapshot status` reports; rewritten by our writer, it
//     still gives etcdctl the same status;
//  2. a snapshot written by our writer is restored with `etcdctl snapshot restore` into a 3-member cluster of real
//     etcd, which then serves its keys, revision, compaction point and lease;
//  3. end to end: a snapshot barque streams (Maintenance.Snapshot) restores into real etcd, which then serves what
//     barque served.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkBbolt,
  decodeEtcdKeyValue,
  etcdBackendBuckets,
  etcdSnapshotStatus,
  findBucket,
  readBbolt,
  snapshotStreamBytes,
  splitSnapshotFile,
  writeBbolt,
  writeBboltSnapshot,
} from '../../src/store/snapshot/index.ts';
import { SAMPLE_LEASE_ID, sampleEtcdContents } from '../../src/store/snapshot/sample-contents.ts';
import { EtcdCluster, killAllLeftoversSync, runEtcdctl, type EtcdctlResult } from '../../src/store/testing/etcd-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'barque-bbolt-etcd-'));
const clusters: EtcdCluster[] = [];

afterAll(async () => {
  await Promise.all(clusters.map((c) => c.cleanup()));
  killAllLeftoversSync();
  rmSync(dir, { recursive: true, force: true });
});

function ok(result: EtcdctlResult): string {
  expect(result.code, `etcdctl failed:\n${result.stdout}\n${result.stderr}`).toBe(0);
  return result.stdout;
}

/** etcdctl JSON with 64-bit integers kept as strings (JSON.parse would round them). */
function parseJsonWithBigInts(text: string): unknown {
  return JSON.parse(text.replace(/":(-?\d{16,})/g, '":"$1"'));
}

async function statusOf(path: string): Promise<Record<string, number>> {
  return JSON.parse(ok(await runEtcdctl(['snapshot', 'status', path, '-w', 'json']))) as Record<string, number>;
}

interface KvJson {
  key: string;
  value?: string;
  create_revision: number;
  mod_revision: number;
  version: number;
  lease?: string | number;
}

async function restoreInto(snapshotPath: string, members: number, token: string): Promise<EtcdCluster> {
  const cluster = await EtcdCluster.start({
    impl: 'etcd',
    members,
    initialClusterToken: token,
    beforeLaunch: async (all) => {
      for (const m of all) {
        ok(
          await runEtcdctl([
            'snapshot',
            'restore',
            snapshotPath,
            `--name=${m.name}`,
            `--data-dir=${m.dataDir}`,
            `--initial-cluster=${m.config.initialCluster}`,
            `--initial-cluster-token=${token}`,
            `--initial-advertise-peer-urls=${m.peerUrl}`,
          ]),
        );
      }
    },
  });
  clusters.push(cluster);
  return cluster;
}

describe('bbolt files: ours and real etcd 3.4 (multi-process)', () => {
  it('reads a snapshot streamed by real etcd with the contents and status etcd reports', async () => {
    const cluster = await EtcdCluster.start({ impl: 'etcd', members: 1 });
    clusters.push(cluster);
    const leaseOut = ok(await cluster.etcdctl(['lease', 'grant', '600']));
    const leaseHex = /lease ([0-9a-f]+) granted/.exec(leaseOut)?.[1] ?? '';
    // 400 puts over 150 keys in txns of 100 (distinct keys per txn), values growing so bucket `key` spans pages.
    for (let batch = 0; batch < 4; batch++) {
      const puts = Array.from({ length: 100 }, (_, j) => batch * 100 + j).map(
        (i) => `put /k/${String(i % 150).padStart(3, '0')} "value-${i}-${'x'.repeat(i)}"`,
      );
      ok(await cluster.etcdctl(['txn'], { stdin: `\n${puts.join('\n')}\n\n\n` }));
    }
    ok(await cluster.etcdctl(['put', '/leased', 'v', `--lease=${leaseHex}`]));
    ok(await cluster.etcdctl(['del', '/k/00', '--prefix']));
    ok(await cluster.etcdctl(['compaction', '4']));
    const path = join(dir, 'etcd-made.db');
    ok(await cluster.etcdctl(['snapshot', 'save', path]));

    const split = splitSnapshotFile(readFileSync(path));
    expect(split.checksumOk).toBe(true);
    expect(checkBbolt(split.database)).toEqual([]);
    const db = readBbolt(split.database);
    expect(findBucket(db, 'key')?.inline).toBe(false);
    expect(findBucket(db, 'key')?.entries.length).toBeGreaterThan(150);
    const status = await statusOf(path);
    expect({ ...etcdSnapshotStatus(db.buckets), totalSize: split.database.length }).toEqual(status);

    // The newest record of each key in bucket `key`, unless it is a tombstone, is what etcd serves.
    const latest = new Map<string, ReturnType<typeof decodeEtcdKeyValue> | null>();
    for (const [revKey, value] of findBucket(db, 'key')?.entries ?? []) {
      const kv = decodeEtcdKeyValue(value);
      latest.set(kv.key.toString('latin1'), revKey.length === 18 ? null : kv);
    }
    const fromBbolt = [...latest.values()]
      .filter((kv) => kv !== null)
      .sort((a, b) => Buffer.compare(a.key, b.key))
      .map((kv) => ({
        key: kv.key.toString('base64'),
        value: kv.value.toString('base64'),
        create_revision: kv.createRevision,
        mod_revision: kv.modRevision,
        version: kv.version,
        lease: kv.lease === 0n ? undefined : kv.lease.toString(),
      }));
    const served = parseJsonWithBigInts(ok(await cluster.etcdctl(['get', '', '--prefix', '-w', 'json']))) as { kvs: KvJson[] };
    const fromEtcd = served.kvs.map((kv) => ({ ...kv, value: kv.value ?? '', lease: kv.lease === undefined ? undefined : String(kv.lease) }));
    expect(fromBbolt).toEqual(fromEtcd);
    expect(fromBbolt.find((kv) => kv.key === Buffer.from('/leased').toString('base64'))?.lease).toBe(BigInt(`0x${leaseHex}`).toString());

    // Our writer, fed what our reader found, gives etcdctl the same status.
    const rewrittenPath = join(dir, 'etcd-made-rewritten.db');
    const rewritten = writeBbolt(db.buckets);
    writeFileSync(rewrittenPath, snapshotStreamBytes(rewritten));
    expect(await statusOf(rewrittenPath)).toEqual({ ...status, totalSize: rewritten.length });
    await cluster.cleanup();
  });

  it('restores a 3-member real etcd cluster from a snapshot our writer made', async () => {
    const contents = sampleEtcdContents({ bulkKeys: 300, bulkValueBytes: 200 });
    const path = join(dir, 'ours.db');
    writeFileSync(path, snapshotStreamBytes(writeBboltSnapshot(etcdBackendBuckets(contents))));
    const cluster = await restoreInto(path, 3, 'barque-restore-test');

    const keys = ok(await cluster.etcdctl(['get', '', '--prefix', '--keys-only'])).split('\n').filter((l) => l !== '');
    expect(keys).toEqual(contents.liveKeys);
    const a = parseJsonWithBigInts(ok(await cluster.etcdctl(['get', '/a', '-w', 'json']))) as { header: { revision: number }; kvs: KvJson[] };
    expect(a.header.revision).toBe(contents.lastRevision);
    expect(a.kvs).toEqual([{ key: Buffer.from('/a').toString('base64'), value: Buffer.from('uno').toString('base64'), create_revision: 2, mod_revision: 4, version: 2 }]);
    const compacted = await cluster.etcdctl(['get', '/a', '--rev=2']);
    expect(compacted.code).not.toBe(0);
    expect(compacted.stderr).toContain('etcdserver: mvcc: required revision has been compacted');
    expect(ok(await cluster.etcdctl(['lease', 'list']))).toContain(SAMPLE_LEASE_ID.toString(16));
    expect(ok(await cluster.etcdctl(['put', '/after-restore', 'yes']))).toBe('OK\n');
    expect(ok(await cluster.etcdctl(['member', 'list'])).split('\n').filter((l) => l.includes('started'))).toHaveLength(3);
    await cluster.cleanup();
  });

  it('restores real etcd from a snapshot barque streamed, serving what barque served', async () => {
    const barque = await EtcdCluster.start({ impl: 'barque', members: 1 });
    clusters.push(barque);
    const leaseHex = /lease ([0-9a-f]+) granted/.exec(ok(await barque.etcdctl(['lease', 'grant', '900'])))?.[1] ?? '';
    for (let i = 0; i < 30; i++) ok(await barque.etcdctl(['put', `/e2e/${i % 12}`, `v${i}`]));
    ok(await barque.etcdctl(['put', '/e2e/leased', 'l', `--lease=${leaseHex}`]));
    ok(await barque.etcdctl(['del', '/e2e/1', '--prefix']));
    ok(await barque.etcdctl(['compaction', '20']));
    const path = join(dir, 'from-barque.db');
    ok(await barque.etcdctl(['snapshot', 'save', path]));
    const served = ok(await barque.etcdctl(['get', '', '--prefix', '-w', 'json']));
    await barque.cleanup();

    const split = splitSnapshotFile(readFileSync(path));
    expect(split.checksumOk).toBe(true);
    expect(checkBbolt(split.database)).toEqual([]);

    const etcd = await restoreInto(path, 1, 'barque-e2e-restore');
    const restored = ok(await etcd.etcdctl(['get', '', '--prefix', '-w', 'json']));
    const body = (text: string): unknown => {
      const doc = parseJsonWithBigInts(text) as { header: { revision: number }; kvs: unknown[] };
      return { revision: doc.header.revision, kvs: doc.kvs };
    };
    expect(body(restored)).toEqual(body(served));
    expect(ok(await etcd.etcdctl(['lease', 'list']))).toContain(leaseHex);
    const compacted = await etcd.etcdctl(['get', '/e2e/0', '--rev=19']);
    expect(compacted.stderr).toContain('etcdserver: mvcc: required revision has been compacted');
    await etcd.cleanup();
  });
});
