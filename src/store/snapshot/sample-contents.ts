// A small etcd 3.4 history expressed as backend contents, for tests of the snapshot writer: puts, an overwrite,
// a delete (tombstone), a leased key, a compaction and one member. Not part of the room's door.
import { encodeEtcdKeyValue, revisionKey, type EtcdBackendContents } from './etcd-layout.ts';

export const SAMPLE_LEASE_ID = 0x1234_5678_9abc_def0n;
export const SAMPLE_MEMBER_ID = 0x8e9e_05c5_2164_694dn;

export interface SampleOptions {
  /** Extra keys `/bulk/<n>` with values of `bulkValueBytes`, to make the `key` bucket span many pages. */
  bulkKeys?: number;
  bulkValueBytes?: number;
}

/** Revisions: 2 put /a, 3 put /b, 4 put /a again, 5 delete /b, 6 put /leased with the lease, then bulk puts. */
export function sampleEtcdContents(options: SampleOptions = {}): EtcdBackendContents & { lastRevision: number; liveKeys: string[] } {
  const records: Array<[Buffer, Buffer]> = [];
  const put = (rev: number, key: string, value: Buffer, createRevision: number, version: number, lease = 0n): void => {
    records.push([
      revisionKey(BigInt(rev)),
      encodeEtcdKeyValue({ key: Buffer.from(key), createRevision, modRevision: rev, version, value, lease }),
    ]);
  };
  put(2, '/a', Buffer.from('one'), 2, 1);
  put(3, '/b', Buffer.from('two'), 3, 1);
  put(4, '/a', Buffer.from('uno'), 2, 2);
  records.push([
    revisionKey(5n, 0n, true),
    encodeEtcdKeyValue({ key: Buffer.from('/b'), createRevision: 0, modRevision: 0, version: 0, value: Buffer.alloc(0), lease: 0n }),
  ]);
  put(6, '/leased', Buffer.from('x'), 6, 1, SAMPLE_LEASE_ID);
  let rev = 6;
  const liveKeys = ['/a', '/leased'];
  for (let i = 0; i < (options.bulkKeys ?? 0); i++) {
    rev++;
    const key = `/bulk/${String(i).padStart(6, '0')}`;
    put(rev, key, Buffer.alloc(options.bulkValueBytes ?? 100, i % 251), rev, 1);
    liveKeys.push(key);
  }
  return {
    keys: records,
    consistentIndex: BigInt(rev + 10),
    finishedCompactRev: 3n,
    scheduledCompactRev: 3n,
    leases: [{ id: SAMPLE_LEASE_ID, ttlSeconds: 3600n }],
    members: [{ id: SAMPLE_MEMBER_ID, name: 'old', peerURLs: ['http://127.0.0.1:2380'], clientURLs: ['http://127.0.0.1:2379'] }],
    clusterVersion: '3.4.0',
    authRevision: 1n,
    lastRevision: rev,
    liveKeys: liveKeys.sort(),
  };
}
