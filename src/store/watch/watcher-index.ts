// Which watchers want a key: a hash map for single-key watchers and a centred interval tree for ranges.
// Ranges added since the last build are scanned linearly and removed ones skipped, until either part grows
// past about sqrt(n) / n/2; then one rebuild. So churn (victims leaving and rejoining) stays cheap and a lookup
// is O(log n + sqrt(n) + matches). Ranges use the internal KeyRange shape: end null = unbounded above.

import type { KeyRange } from '../mvcc/index.ts';

interface RangeEntry<T> {
  start: Buffer;
  end: Buffer | null;
  item: T;
}

interface TreeNode<T> {
  center: Buffer;
  /** Entries containing center, by start ascending. */
  byStart: RangeEntry<T>[];
  /** The same entries by end descending (unbounded first). */
  byEnd: RangeEntry<T>[];
  left: TreeNode<T> | undefined;
  right: TreeNode<T> | undefined;
}

function compareEnd(a: Buffer | null, b: Buffer | null): number {
  if (a === null) return b === null ? 0 : 1;
  if (b === null) return -1;
  return Buffer.compare(a, b);
}

function buildTree<T>(entries: RangeEntry<T>[]): TreeNode<T> | undefined {
  if (entries.length === 0) return undefined;
  const starts = entries.map((e) => e.start).sort(Buffer.compare);
  const center = starts[starts.length >> 1];
  const here: RangeEntry<T>[] = [];
  const left: RangeEntry<T>[] = [];
  const right: RangeEntry<T>[] = [];
  for (const e of entries) {
    if (Buffer.compare(e.start, center) > 0) right.push(e);
    else if (e.end !== null && Buffer.compare(e.end, center) <= 0) left.push(e);
    else here.push(e);
  }
  return {
    center,
    byStart: [...here].sort((a, b) => Buffer.compare(a.start, b.start)),
    byEnd: [...here].sort((a, b) => compareEnd(b.end, a.end)),
    left: buildTree(left),
    right: buildTree(right),
  };
}

export class WatcherIndex<T> {
  private readonly single = new Map<string, Set<T>>();
  /** The live entry of every range watcher; an entry elsewhere that is not this one is stale. */
  private readonly ranges = new Map<T, RangeEntry<T>>();
  private tree: TreeNode<T> | undefined;
  /** Entries added since the tree was built, scanned linearly until the next build. */
  private pending: RangeEntry<T>[] = [];
  /** Tree entries removed since the build (skipped on lookup). */
  private stale = 0;

  /** slack: changes tolerated beyond sqrt(n) / n/2 before a rebuild (small in tests, to rebuild often). */
  constructor(private readonly slack = 16) {}

  get size(): number {
    let n = this.ranges.size;
    for (const s of this.single.values()) n += s.size;
    return n;
  }

  add(range: KeyRange, item: T): void {
    if (range.end === undefined) {
      const k = range.key.toString('latin1');
      let set = this.single.get(k);
      if (set === undefined) this.single.set(k, (set = new Set()));
      set.add(item);
      return;
    }
    if (this.ranges.has(item)) this.stale++;
    const entry: RangeEntry<T> = { start: range.key, end: range.end, item };
    this.ranges.set(item, entry);
    this.pending.push(entry);
  }

  delete(range: KeyRange, item: T): void {
    if (range.end === undefined) {
      const k = range.key.toString('latin1');
      const set = this.single.get(k);
      set?.delete(item);
      if (set?.size === 0) this.single.delete(k);
      return;
    }
    if (this.ranges.delete(item)) this.stale++;
  }

  /** Calls fn once for every item whose range contains key. */
  forEachMatch(key: Buffer, fn: (item: T) => void): void {
    const set = this.single.get(key.toString('latin1'));
    if (set !== undefined) for (const item of set) fn(item);
    if (this.ranges.size === 0) return;
    // Rebuild when the linear part or the dead weight grows past what a rebuild costs to avoid.
    const n = this.ranges.size;
    if (this.pending.length > this.slack + Math.sqrt(n) || this.stale > this.slack + (n >> 1)) this.rebuild();
    const live = (e: RangeEntry<T>) => this.ranges.get(e.item) === e;
    let node = this.tree;
    while (node !== undefined) {
      const cmp = Buffer.compare(key, node.center);
      if (cmp < 0) {
        for (const e of node.byStart) {
          if (Buffer.compare(e.start, key) > 0) break;
          if (live(e)) fn(e.item);
        }
        node = node.left;
      } else {
        for (const e of node.byEnd) {
          if (e.end !== null && Buffer.compare(e.end, key) <= 0) break;
          if (live(e)) fn(e.item);
        }
        node = cmp === 0 ? undefined : node.right;
      }
    }
    for (const e of this.pending) {
      if (live(e) && Buffer.compare(e.start, key) <= 0 && (e.end === null || Buffer.compare(key, e.end) < 0)) fn(e.item);
    }
  }

  private rebuild(): void {
    this.tree = buildTree([...this.ranges.values()]);
    this.pending = [];
    this.stale = 0;
  }
}
