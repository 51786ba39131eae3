// etcdctl 3.4 `snapshot status` (bbolt 1.3 opening the file read-only and running tx.Check) reads files written by
// our bbolt writer. Runs the reference etcdctl binary; fails (does not skip) when it has not been fetched.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runEtcdctl } from '../testing/etcd-process.ts';
import { etcdBackendBuckets, etcdSnapshotStatus, readBbolt, snapshotStreamBytes, writeBboltSnapshot } from './index.ts';
import { sampleEtcdContents } from './sample-contents.ts';

const dir = mkdtempSync(join(tmpdir(), 'barque-bbolt-status-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function statusOf(file: Buffer, name: string): Promise<Record<string, number>> {
  const path = join(dir, name);
  writeFileSync(path, file);
  const result = await runEtcdctl(['snapshot', 'status', path, '-w', 'json']);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as Record<string, number>;
}

describe('etcdctl snapshot status reads our bbolt files', () => {
  for (const [label, bulkKeys, bulkValueBytes] of [
    ['a small history (every bucket inline)', 0, 0],
    ['a large history (multi-level key bucket, overflow pages)', 6000, 700],
    ['values larger than a page', 20, 9000],
  ] as const) {
    it(`reports hash, revision and key count of ${label}`, async () => {
      const contents = sampleEtcdContents({ bulkKeys, bulkValueBytes });
      const database = writeBboltSnapshot(etcdBackendBuckets(contents));
      const expected = etcdSnapshotStatus(readBbolt(database).buckets);
      expect(expected.revision).toBe(contents.lastRevision);
      const status = await statusOf(snapshotStreamBytes(database), `${bulkKeys}-${bulkValueBytes}.db`);
      expect(status).toEqual({ ...expected, totalSize: database.length });
    });
  }
});
