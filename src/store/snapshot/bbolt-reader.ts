// A reader of bbolt database files, our own: picks the valid meta page with the newest txid, walks the tree of
// buckets from the root and returns every bucket's entries in key order. For tests, for checking what real etcd
// wrote, and for restoring barque from an etcd snapshot. It reads the whole file into memory.
import {
  BBOLT_MAGIC,
  BBOLT_VERSION,
  BRANCH_ELEMENT_SIZE,
  BUCKET_HEADER_SIZE,
  FREELIST_COUNT_OVERFLOW,
  LEAF_ELEMENT_SIZE,
  LEAF_FLAG_BUCKET,
  META_CHECKSUM_OFFSET,
  PAGE_FLAG_BRANCH,
  PAGE_FLAG_FREELIST,
  PAGE_FLAG_LEAF,
  PAGE_HEADER_SIZE,
  PGID_NO_FREELIST,
  fnv64a,
} from './bbolt-format.ts';

export interface BboltBucket {
  name: Buffer;
  sequence: bigint;
  /** Plain key/value pairs in key order (nested buckets are in `buckets`, not here). */
  entries: Array<[Buffer, Buffer]>;
  buckets: BboltBucket[];
  /** True when the bucket was stored inline in its parent's value. */
  inline: boolean;
}

export interface BboltMeta {
  pageSize: number;
  rootPgid: bigint;
  freelistPgid: bigint;
  highWaterPgid: bigint;
  txid: bigint;
}

export interface BboltDatabase {
  meta: BboltMeta;
  /** Free page ids from the freelist page; null when the file was written without one (NoFreelistSync). */
  freePgids: bigint[] | null;
  buckets: BboltBucket[];
}

export class BboltReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BboltReadError';
  }
}

/** Cap on tree depth, so a corrupt file that loops cannot recurse forever. */
const TREE_DEPTH_MAX = 64;

export function readBbolt(file: Buffer): BboltDatabase {
  return readWithPages(file).db;
}

/**
 * The consistency rules bbolt's `tx.Check()` applies (etcdctl snapshot status refuses a file that breaks one):
 * every page below the high-water mark is reached exactly once from the metas, the freelist and the bucket trees,
 * or is free; keys ascend within every bucket. Returns the problems found, empty when the file is consistent.
 */
export function checkBbolt(file: Buffer): string[] {
  let read: { db: BboltDatabase; references: Map<bigint, number> };
  try {
    read = readWithPages(file);
  } catch (err) {
    return [err instanceof Error ? err.message : String(err)];
  }
  const { db, references } = read;
  const problems: string[] = [];
  const free = new Set(db.freePgids ?? []);
  for (let pgid = 0n; pgid < db.meta.highWaterPgid; pgid++) {
    const count = (references.get(pgid) ?? 0) + (pgid < 2n ? 1 : 0);
    if (count > 1) problems.push(`page ${pgid}: referenced ${count} times`);
    if (count > 0 && free.has(pgid)) problems.push(`page ${pgid}: reachable and free`);
    // Without a freelist page (NoFreelistSync) bbolt treats every unreachable page as free.
    if (count === 0 && db.freePgids !== null && !free.has(pgid)) problems.push(`page ${pgid}: unreachable unfreed`);
  }
  const checkOrder = (bucket: BboltBucket, path: string): void => {
    const keys = [...bucket.entries.map(([k]) => k), ...bucket.buckets.map((b) => b.name)].sort(Buffer.compare);
    for (let i = 1; i < keys.length; i++) {
      if (keys[i - 1].equals(keys[i])) problems.push(`${path}: duplicate key ${keys[i].toString('hex')}`);
    }
    for (let i = 1; i < bucket.entries.length; i++) {
      if (Buffer.compare(bucket.entries[i - 1][0], bucket.entries[i][0]) >= 0) problems.push(`${path}: keys out of order at ${i}`);
    }
    for (const child of bucket.buckets) checkOrder(child, `${path}/${child.name.toString('latin1')}`);
  };
  for (const bucket of db.buckets) checkOrder(bucket, bucket.name.toString('latin1'));
  return problems;
}

function readWithPages(file: Buffer): { db: BboltDatabase; references: Map<bigint, number> } {
  const meta = chooseMeta(file);
  const pages = new PageReader(file, meta.pageSize, meta.highWaterPgid);
  const root = pages.readTree(meta.rootPgid, 0);
  const buckets: BboltBucket[] = [];
  for (const e of root) {
    if ((e.flags & LEAF_FLAG_BUCKET) === 0) throw new BboltReadError(`top-level key ${e.key.toString('hex')} is not a bucket`);
    buckets.push(readBucket(pages, e.key, e.value, 1));
  }
  const freePgids = meta.freelistPgid === PGID_NO_FREELIST ? null : pages.readFreelist(meta.freelistPgid);
  return { db: { meta, freePgids, buckets }, references: pages.references };
}

/** A bucket by name path, e.g. findBucket(db, 'key'). */
export function findBucket(db: BboltDatabase, ...path: string[]): BboltBucket | undefined {
  let level = db.buckets;
  let found: BboltBucket | undefined;
  for (const name of path) {
    found = level.find((b) => b.name.equals(Buffer.from(name)));
    if (found === undefined) return undefined;
    level = found.buckets;
  }
  return found;
}

function chooseMeta(file: Buffer): BboltMeta {
  const errors: string[] = [];
  const candidates: BboltMeta[] = [];
  // Meta 0 tells the page size; meta 1 sits at that offset. If meta 0 is unreadable, try the usual page sizes.
  const first = parseMeta(file, 0, errors);
  const sizes = first !== null ? [first.pageSize] : [4096, 8192, 16384, 65536];
  if (first !== null) candidates.push(first);
  for (const size of sizes) {
    const second = parseMeta(file, size, errors);
    if (second !== null) {
      candidates.push(second);
      break;
    }
  }
  if (candidates.length === 0) throw new BboltReadError(`no valid meta page: ${errors.join('; ')}`);
  return candidates.reduce((a, b) => (b.txid > a.txid ? b : a));
}

function parseMeta(file: Buffer, pageAt: number, errors: string[]): BboltMeta | null {
  const at = pageAt + PAGE_HEADER_SIZE;
  if (file.length < at + META_CHECKSUM_OFFSET + 8) {
    errors.push(`file too short for a meta at ${pageAt}`);
    return null;
  }
  const magic = file.readUInt32LE(at);
  const version = file.readUInt32LE(at + 4);
  const checksum = file.readBigUInt64LE(at + META_CHECKSUM_OFFSET);
  if (magic !== BBOLT_MAGIC) errors.push(`meta at ${pageAt}: bad magic 0x${magic.toString(16)}`);
  else if (version !== BBOLT_VERSION) errors.push(`meta at ${pageAt}: version ${version}`);
  else if (checksum !== fnv64a(file.subarray(at, at + META_CHECKSUM_OFFSET))) errors.push(`meta at ${pageAt}: checksum`);
  else {
    return {
      pageSize: file.readUInt32LE(at + 8),
      rootPgid: file.readBigUInt64LE(at + 16),
      freelistPgid: file.readBigUInt64LE(at + 32),
      highWaterPgid: file.readBigUInt64LE(at + 40),
      txid: file.readBigUInt64LE(at + 48),
    };
  }
  return null;
}

interface LeafElement {
  flags: number;
  key: Buffer;
  value: Buffer;
}

function readBucket(pages: PageReader, name: Buffer, value: Buffer, depth: number): BboltBucket {
  if (value.length < BUCKET_HEADER_SIZE) throw new BboltReadError(`bucket ${name.toString('hex')}: value too short`);
  const rootPgid = value.readBigUInt64LE(0);
  const sequence = value.readBigUInt64LE(8);
  const inline = rootPgid === 0n;
  const elements = inline ? readLeafAt(value, BUCKET_HEADER_SIZE, 'inline bucket') : pages.readTree(rootPgid, depth);
  const bucket: BboltBucket = { name: Buffer.from(name), sequence, entries: [], buckets: [], inline };
  for (const e of elements) {
    if ((e.flags & LEAF_FLAG_BUCKET) !== 0) {
      if (depth >= TREE_DEPTH_MAX) throw new BboltReadError('buckets nested too deep');
      bucket.buckets.push(readBucket(pages, e.key, e.value, depth + 1));
    } else {
      bucket.entries.push([Buffer.from(e.key), Buffer.from(e.value)]);
    }
  }
  return bucket;
}

function readLeafAt(buf: Buffer, at: number, where: string): LeafElement[] {
  const flags = buf.readUInt16LE(at + 8);
  if ((flags & PAGE_FLAG_LEAF) === 0) throw new BboltReadError(`${where}: page flags 0x${flags.toString(16)}, expected a leaf`);
  const count = buf.readUInt16LE(at + 10);
  const elements: LeafElement[] = [];
  for (let i = 0; i < count; i++) {
    const elementAt = at + PAGE_HEADER_SIZE + i * LEAF_ELEMENT_SIZE;
    const keyAt = elementAt + buf.readUInt32LE(elementAt + 4);
    const ksize = buf.readUInt32LE(elementAt + 8);
    const vsize = buf.readUInt32LE(elementAt + 12);
    if (keyAt + ksize + vsize > buf.length) throw new BboltReadError(`${where}: element ${i} overruns`);
    elements.push({
      flags: buf.readUInt32LE(elementAt),
      key: buf.subarray(keyAt, keyAt + ksize),
      value: buf.subarray(keyAt + ksize, keyAt + ksize + vsize),
    });
  }
  return elements;
}

class PageReader {
  /** How many times each page (overflow pages included) was reached: for `checkBbolt`. */
  readonly references = new Map<bigint, number>();

  constructor(
    private readonly file: Buffer,
    private readonly pageSize: number,
    private readonly highWater: bigint,
  ) {}

  /** The page's bytes including its overflow pages. */
  page(pgid: bigint): Buffer {
    if (pgid < 2n || pgid >= this.highWater) throw new BboltReadError(`page ${pgid} out of bounds (high water ${this.highWater})`);
    const at = Number(pgid) * this.pageSize;
    if (at + PAGE_HEADER_SIZE > this.file.length) throw new BboltReadError(`page ${pgid} beyond end of file`);
    const id = this.file.readBigUInt64LE(at);
    if (id !== pgid) throw new BboltReadError(`page ${pgid} says it is page ${id}`);
    const overflow = this.file.readUInt32LE(at + 12);
    const end = at + (overflow + 1) * this.pageSize;
    if (end > this.file.length) throw new BboltReadError(`page ${pgid} with ${overflow} overflow pages beyond end of file`);
    for (let i = 0n; i <= BigInt(overflow); i++) this.references.set(pgid + i, (this.references.get(pgid + i) ?? 0) + 1);
    return this.file.subarray(at, end);
  }

  /** Every leaf element of the tree rooted at pgid, in order. */
  readTree(pgid: bigint, depth: number): LeafElement[] {
    if (depth > TREE_DEPTH_MAX) throw new BboltReadError('tree too deep');
    const page = this.page(pgid);
    const flags = page.readUInt16LE(8);
    if ((flags & PAGE_FLAG_LEAF) !== 0) return readLeafAt(page, 0, `page ${pgid}`);
    if ((flags & PAGE_FLAG_BRANCH) === 0) throw new BboltReadError(`page ${pgid}: flags 0x${flags.toString(16)}, expected branch or leaf`);
    const count = page.readUInt16LE(10);
    const out: LeafElement[] = [];
    for (let i = 0; i < count; i++) {
      const child = page.readBigUInt64LE(PAGE_HEADER_SIZE + i * BRANCH_ELEMENT_SIZE + 8);
      for (const e of this.readTree(child, depth + 1)) out.push(e);
    }
    return out;
  }

  readFreelist(pgid: bigint): bigint[] {
    const page = this.page(pgid);
    const flags = page.readUInt16LE(8);
    if ((flags & PAGE_FLAG_FREELIST) === 0) throw new BboltReadError(`page ${pgid}: flags 0x${flags.toString(16)}, expected freelist`);
    let count = page.readUInt16LE(10);
    let at = PAGE_HEADER_SIZE;
    if (count === FREELIST_COUNT_OVERFLOW) {
      count = Number(page.readBigUInt64LE(at));
      at += 8;
    }
    const ids: bigint[] = [];
    for (let i = 0; i < count; i++) ids.push(page.readBigUInt64LE(at + i * 8));
    return ids;
  }
}
