// A writer of bbolt database files, our own: it lays out a finished, read-only-consistent database in one pass
// (no free pages, no transaction history), which bbolt opens, checks (`tx.Check()` finds every page reachable
// exactly once) and can go on writing to. Pages are packed full; a single element larger than a page gets
// overflow pages. A bucket without sub-buckets whose leaf fits in a quarter page is stored inline in its parent's
// value, as bbolt itself does.
import {
  BBOLT_MAGIC,
  BBOLT_VERSION,
  BRANCH_ELEMENT_SIZE,
  BUCKET_HEADER_SIZE,
  DEFAULT_PAGE_SIZE,
  LEAF_ELEMENT_SIZE,
  LEAF_FLAG_BUCKET,
  META_CHECKSUM_OFFSET,
  PAGE_FLAG_BRANCH,
  PAGE_FLAG_FREELIST,
  PAGE_FLAG_LEAF,
  PAGE_FLAG_META,
  PAGE_HEADER_SIZE,
  fnv64a,
} from './bbolt-format.ts';

/** One bucket to write: its entries (strictly ascending keys, compared bytewise) and its nested buckets. */
export interface BboltBucketInput {
  name: Buffer | string;
  entries: Iterable<readonly [Buffer, Buffer]>;
  /** The bucket's NextSequence counter; 0 by default. */
  sequence?: bigint;
  buckets?: readonly BboltBucketInput[];
}

export interface BboltWriteOptions {
  /** 4096 by default; bbolt reads the page size from the file. */
  pageSize?: number;
  /** Transaction id stored in the newer meta page (the other gets txid - 1); 1 by default. */
  txid?: bigint;
}

export class BboltWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BboltWriteError';
  }
}

interface Element {
  key: Buffer;
  value: Buffer;
  flags: number;
}

interface BranchElement {
  key: Buffer;
  pgid: bigint;
}

const FIRST_DATA_PGID = 3n; // 0 and 1 are the metas, 2 the freelist

/** Serializes top-level buckets (sorted here by name) into a complete bbolt file. */
export function writeBbolt(buckets: Iterable<BboltBucketInput>, options: BboltWriteOptions = {}): Buffer {
  return Buffer.concat(writeBboltChunks(buckets, options));
}

/**
 * The same file as consecutive chunks (the first holds the metas and the freelist, then one chunk per page run
 * in page order), so a caller can stream it without holding a second, concatenated copy.
 */
export function writeBboltChunks(buckets: Iterable<BboltBucketInput>, options: BboltWriteOptions = {}): Buffer[] {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1024 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) {
    throw new BboltWriteError(`page size must be a power of two in [1024, 65536], got ${pageSize}`);
  }
  const txid = options.txid ?? 1n;
  if (txid < 1n) throw new BboltWriteError('txid must be at least 1');

  const pages = new PageSink(pageSize);
  // The root bucket is never inline: bbolt expects the meta to point at a page even for an empty database.
  const rootPgid = pages.writeTree(bucketElements(pages, [...buckets], 'top level'));

  const highWater = pages.nextPgid;
  const head = Buffer.alloc(Number(FIRST_DATA_PGID) * pageSize);
  writeMeta(head, 0, pageSize, rootPgid, highWater, txid % 2n === 0n ? txid : txid - 1n);
  writeMeta(head, 1, pageSize, rootPgid, highWater, txid % 2n === 1n ? txid : txid - 1n);
  writePageHeader(head, 2 * pageSize, 2n, PAGE_FLAG_FREELIST, 0, 0); // an empty freelist: every page is in use
  return [head, ...pages.written.map((page) => page.bytes)];
}

function bucketElements(pages: PageSink, buckets: readonly BboltBucketInput[], where: string, entries: Element[] = []): Element[] {
  const named = buckets.map((b) => ({ bucket: b, name: typeof b.name === 'string' ? Buffer.from(b.name) : b.name }));
  const all = [...entries];
  for (const { bucket, name } of named) {
    if (name.length === 0) throw new BboltWriteError(`empty bucket name in ${where}`);
    all.push({ key: name, value: bucketValue(pages, bucket, name), flags: LEAF_FLAG_BUCKET });
  }
  all.sort((a, b) => Buffer.compare(a.key, b.key));
  for (let i = 1; i < all.length; i++) {
    if (all[i - 1].key.equals(all[i].key)) throw new BboltWriteError(`duplicate key ${all[i].key.toString('hex')} in ${where}`);
  }
  return all;
}

function bucketValue(pages: PageSink, bucket: BboltBucketInput, name: Buffer): Buffer {
  const where = `bucket ${JSON.stringify(name.toString('latin1'))}`;
  const entries: Element[] = [];
  let previous: Buffer | null = null;
  for (const [key, value] of bucket.entries) {
    if (key.length === 0) throw new BboltWriteError(`empty key in ${where}`);
    if (previous !== null && Buffer.compare(previous, key) >= 0) {
      throw new BboltWriteError(`keys not strictly ascending in ${where} at ${key.toString('hex')}`);
    }
    previous = key;
    entries.push({ key, value, flags: 0 });
  }
  const subBuckets = bucket.buckets ?? [];
  const elements = subBuckets.length === 0 ? entries : bucketElements(pages, subBuckets, where, entries);
  const header = Buffer.alloc(BUCKET_HEADER_SIZE);
  header.writeBigUInt64LE(bucket.sequence ?? 0n, 8);

  const inlineSize = leafSize(elements);
  if (subBuckets.length === 0 && inlineSize <= pages.pageSize / 4) {
    const inline = Buffer.alloc(inlineSize);
    writeLeaf(inline, 0, 0n, elements, 0);
    return Buffer.concat([header, inline]);
  }
  header.writeBigUInt64LE(pages.writeTree(elements), 0);
  return header;
}

function leafSize(elements: readonly Element[]): number {
  let size = PAGE_HEADER_SIZE;
  for (const e of elements) size += LEAF_ELEMENT_SIZE + e.key.length + e.value.length;
  return size;
}

function branchSize(elements: readonly BranchElement[]): number {
  let size = PAGE_HEADER_SIZE;
  for (const e of elements) size += BRANCH_ELEMENT_SIZE + e.key.length;
  return size;
}

/** Pages written so far, each at its pgid; allocation is sequential from 3. */
class PageSink {
  readonly written: Array<{ pgid: bigint; bytes: Buffer }> = [];
  nextPgid = FIRST_DATA_PGID;

  constructor(readonly pageSize: number) {}

  /** Writes a B+tree over the sorted elements (leaves, then branch levels) and returns its root pgid. */
  writeTree(elements: readonly Element[]): bigint {
    let level: BranchElement[] = [];
    for (const group of packGroups(elements, (e) => LEAF_ELEMENT_SIZE + e.key.length + e.value.length, this.pageSize)) {
      const size = leafSize(group);
      const { pgid, bytes } = this.allocate(size);
      writeLeaf(bytes, 0, pgid, group, this.overflowOf(size));
      level.push({ key: group.length > 0 ? group[0].key : Buffer.alloc(0), pgid });
    }
    while (level.length > 1) {
      const parents: BranchElement[] = [];
      for (const group of packGroups(level, (e) => BRANCH_ELEMENT_SIZE + e.key.length, this.pageSize)) {
        const size = branchSize(group);
        const { pgid, bytes } = this.allocate(size);
        writeBranch(bytes, pgid, group, this.overflowOf(size));
        parents.push({ key: group[0].key, pgid });
      }
      level = parents;
    }
    return level[0].pgid;
  }

  private overflowOf(size: number): number {
    return Math.ceil(size / this.pageSize) - 1;
  }

  private allocate(size: number): { pgid: bigint; bytes: Buffer } {
    const count = Math.max(1, Math.ceil(size / this.pageSize));
    const pgid = this.nextPgid;
    this.nextPgid += BigInt(count);
    const bytes = Buffer.alloc(count * this.pageSize);
    this.written.push({ pgid, bytes });
    return { pgid, bytes };
  }
}

/** Splits sorted items into consecutive groups whose page fits one page; a single oversized item gets its own. */
function packGroups<T>(items: readonly T[], sizeOf: (item: T) => number, pageSize: number): T[][] {
  if (items.length === 0) return [[]];
  const groups: T[][] = [];
  let current: T[] = [];
  let size = PAGE_HEADER_SIZE;
  for (const item of items) {
    const itemSize = sizeOf(item);
    if (current.length > 0 && size + itemSize > pageSize) {
      groups.push(current);
      current = [];
      size = PAGE_HEADER_SIZE;
    }
    current.push(item);
    size += itemSize;
  }
  groups.push(current);
  return groups;
}

function writePageHeader(buf: Buffer, at: number, pgid: bigint, flags: number, count: number, overflow: number): void {
  if (count > 0xffff) throw new BboltWriteError(`page ${pgid} has ${count} elements (max 65535)`);
  buf.writeBigUInt64LE(pgid, at);
  buf.writeUInt16LE(flags, at + 8);
  buf.writeUInt16LE(count, at + 10);
  buf.writeUInt32LE(overflow, at + 12);
}

function writeLeaf(buf: Buffer, at: number, pgid: bigint, elements: readonly Element[], overflow: number): void {
  writePageHeader(buf, at, pgid, PAGE_FLAG_LEAF, elements.length, overflow);
  let data = at + PAGE_HEADER_SIZE + elements.length * LEAF_ELEMENT_SIZE;
  elements.forEach((e, i) => {
    const elementAt = at + PAGE_HEADER_SIZE + i * LEAF_ELEMENT_SIZE;
    buf.writeUInt32LE(e.flags, elementAt);
    buf.writeUInt32LE(data - elementAt, elementAt + 4);
    buf.writeUInt32LE(e.key.length, elementAt + 8);
    buf.writeUInt32LE(e.value.length, elementAt + 12);
    data += e.key.copy(buf, data);
    data += e.value.copy(buf, data);
  });
}

function writeBranch(buf: Buffer, pgid: bigint, elements: readonly BranchElement[], overflow: number): void {
  writePageHeader(buf, 0, pgid, PAGE_FLAG_BRANCH, elements.length, overflow);
  let data = PAGE_HEADER_SIZE + elements.length * BRANCH_ELEMENT_SIZE;
  elements.forEach((e, i) => {
    const elementAt = PAGE_HEADER_SIZE + i * BRANCH_ELEMENT_SIZE;
    buf.writeUInt32LE(data - elementAt, elementAt);
    buf.writeUInt32LE(e.key.length, elementAt + 4);
    buf.writeBigUInt64LE(e.pgid, elementAt + 8);
    data += e.key.copy(buf, data);
  });
}

function writeMeta(file: Buffer, pageIndex: 0 | 1, pageSize: number, rootPgid: bigint, highWater: bigint, txid: bigint): void {
  const pageAt = pageIndex * pageSize;
  writePageHeader(file, pageAt, BigInt(pageIndex), PAGE_FLAG_META, 0, 0);
  const at = pageAt + PAGE_HEADER_SIZE;
  file.writeUInt32LE(BBOLT_MAGIC, at);
  file.writeUInt32LE(BBOLT_VERSION, at + 4);
  file.writeUInt32LE(pageSize, at + 8);
  file.writeUInt32LE(0, at + 12);
  file.writeBigUInt64LE(rootPgid, at + 16);
  file.writeBigUInt64LE(0n, at + 24);
  file.writeBigUInt64LE(2n, at + 32);
  file.writeBigUInt64LE(highWater, at + 40);
  file.writeBigUInt64LE(txid, at + 48);
  file.writeBigUInt64LE(fnv64a(file.subarray(at, at + META_CHECKSUM_OFFSET)), at + META_CHECKSUM_OFFSET);
}
