import { describe, expect, it } from 'vitest';
import { DEFAULT_PAGE_SIZE, fnv64a } from './bbolt-format.ts';
import { checkBbolt, findBucket, readBbolt, type BboltBucket } from './bbolt-reader.ts';
import { BboltWriteError, writeBbolt, type BboltBucketInput } from './bbolt-writer.ts';
import { snapshotStreamBytes, snapshotStreamChunks, splitSnapshotFile, writeBboltSnapshotChunks } from './index.ts';

/** Deterministic bytes for test data (xorshift32). */
function bytesFrom(seed: number, length: number): Buffer {
  let x = seed | 1;
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function sortedEntries(count: number, valueSize: (i: number) => number, prefix = 'k'): Array<[Buffer, Buffer]> {
  return Array.from({ length: count }, (_, i): [Buffer, Buffer] => [
    Buffer.from(`${prefix}${String(i).padStart(8, '0')}`),
    bytesFrom(i + 7, valueSize(i)),
  ]);
}

function plain(bucket: BboltBucket): unknown {
  return {
    name: bucket.name.toString('latin1'),
    entries: bucket.entries.map(([k, v]) => [k.toString('hex'), v.toString('hex')]),
    buckets: bucket.buckets.map(plain),
  };
}

function plainInput(bucket: BboltBucketInput): unknown {
  return {
    name: Buffer.from(bucket.name).toString('latin1'),
    entries: [...bucket.entries].map(([k, v]) => [k.toString('hex'), v.toString('hex')]),
    buckets: [...(bucket.buckets ?? [])].sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name))).map(plainInput),
  };
}

describe('fnv64a', () => {
  it('matches the published FNV-1a 64 test vectors', () => {
    expect(fnv64a(Buffer.from(''))).toBe(0xcbf29ce484222325n);
    expect(fnv64a(Buffer.from('a'))).toBe(0xaf63dc4c8601ec8cn);
    expect(fnv64a(Buffer.from('foobar'))).toBe(0x85944171f73967e8n);
  });
});

describe('bbolt writer and reader', () => {
  it('writes an empty database bbolt can open: two metas, a freelist, an empty root leaf', () => {
    const file = writeBbolt([]);
    expect(file.length).toBe(4 * DEFAULT_PAGE_SIZE);
    const db = readBbolt(file);
    expect(db.meta).toMatchObject({ pageSize: 4096, rootPgid: 3n, freelistPgid: 2n, highWaterPgid: 4n, txid: 1n });
    expect(db.freePgids).toEqual([]);
    expect(db.buckets).toEqual([]);
    expect(checkBbolt(file)).toEqual([]);
  });

  it('round-trips small (inline) and large (paged, multi-level, overflowing) buckets, nested ones too', () => {
    const input: BboltBucketInput[] = [
      { name: 'zeta', entries: sortedEntries(3, () => 10) },
      { name: 'empty', entries: [] },
      { name: 'many', entries: sortedEntries(20_000, (i) => i % 50) },
      { name: 'huge-values', entries: sortedEntries(5, (i) => 3000 * (i + 1)) },
      {
        name: 'parent',
        sequence: 42n,
        entries: sortedEntries(2, () => 5, 'a'),
        buckets: [
          { name: 'child-big', entries: sortedEntries(500, () => 100) },
          { name: 'child-inline', entries: sortedEntries(2, () => 3) },
        ],
      },
    ];
    const file = writeBbolt(input);
    expect(file.length % DEFAULT_PAGE_SIZE).toBe(0);
    expect(checkBbolt(file)).toEqual([]);
    const db = readBbolt(file);
    const expected = [...input].sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name))).map(plainInput);
    expect(db.buckets.map(plain)).toEqual(expected);
    expect(findBucket(db, 'zeta')?.inline).toBe(true);
    expect(findBucket(db, 'empty')?.inline).toBe(true);
    expect(findBucket(db, 'many')?.inline).toBe(false);
    expect(findBucket(db, 'parent')?.inline).toBe(false);
    expect(findBucket(db, 'parent')?.sequence).toBe(42n);
    expect(findBucket(db, 'parent', 'child-inline')?.inline).toBe(true);
    expect(findBucket(db, 'parent', 'child-big')?.entries).toHaveLength(500);
  });

  it('keeps a usable meta when the other is damaged', () => {
    const file = writeBbolt([{ name: 'b', entries: [[Buffer.from('k'), Buffer.from('v')]] }], { txid: 8n });
    file[DEFAULT_PAGE_SIZE + 16 + 20] ^= 0xff; // meta 1 (txid 7) root field: its checksum no longer matches
    const db = readBbolt(file);
    expect(db.meta.txid).toBe(8n);
    expect(findBucket(db, 'b')?.entries.map(([k]) => k.toString())).toEqual(['k']);
  });

  it('refuses unsorted or duplicate keys, duplicate bucket names and empty keys', () => {
    const two = (a: string, b: string): BboltBucketInput => ({ name: 'b', entries: [[Buffer.from(a), Buffer.alloc(0)], [Buffer.from(b), Buffer.alloc(0)]] });
    expect(() => writeBbolt([two('b', 'a')])).toThrow(BboltWriteError);
    expect(() => writeBbolt([two('a', 'a')])).toThrow(BboltWriteError);
    expect(() => writeBbolt([two('', 'a')])).toThrow(BboltWriteError);
    expect(() => writeBbolt([{ name: 'x', entries: [] }, { name: 'x', entries: [] }])).toThrow(BboltWriteError);
  });

  it('frames a snapshot stream as etcdctl expects: database, then its sha256, size % 512 == 32', () => {
    const database = writeBbolt([{ name: 'key', entries: sortedEntries(10, () => 10) }]);
    const stream = snapshotStreamBytes(database);
    expect(stream.length % 512).toBe(32);
    const split = splitSnapshotFile(stream);
    expect(split.checksumOk).toBe(true);
    expect(split.database.equals(database)).toBe(true);
  });

  it('reports pages that are unreachable and not free', () => {
    const file = writeBbolt([{ name: 'b', entries: [] }]);
    const grown = Buffer.concat([file, Buffer.alloc(DEFAULT_PAGE_SIZE)]);
    // Raise both metas' high-water mark by one page without referencing it (and fix the checksums).
    for (const pageAt of [0, DEFAULT_PAGE_SIZE]) {
      const at = pageAt + 16;
      grown.writeBigUInt64LE(grown.readBigUInt64LE(at + 40) + 1n, at + 40);
      grown.writeBigUInt64LE(fnv64a(grown.subarray(at, at + 56)), at + 56);
    }
    expect(checkBbolt(grown)).toEqual(['page 4: unreachable unfreed']);
  });
});

describe('chunked output', () => {
  it('streams the same bytes as the whole file, then the sha256 trailer', () => {
    const input: BboltBucketInput[] = [{ name: 'key', entries: sortedEntries(3000, (i) => i % 300) }];
    const whole = snapshotStreamBytes(writeBbolt(input));
    const chunks = [...snapshotStreamChunks(writeBboltSnapshotChunks(input))];
    expect(chunks.length).toBeGreaterThan(2);
    expect(Buffer.concat(chunks).equals(whole)).toBe(true);
  });
});
