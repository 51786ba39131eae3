// An ordered set of (time, lease ID) with one entry per lease: the lessor's expiry and checkpoint schedules.
// O(log n) to set, remove and take the earliest; ties break on the ID so the order is total and repeatable.

import * as sortedBtree from 'sorted-btree';

// sorted-btree is CommonJS with a default export: Node's ESM loader wraps it once more than bundlers do.
type BTreeClass<K, V> = sortedBtree.default<K, V>;
type BTreeCtor = typeof sortedBtree.default.default;
const interop = sortedBtree as unknown as { default: BTreeCtor | { default: BTreeCtor } };
const BTree: BTreeCtor = typeof interop.default === 'function' ? interop.default : interop.default.default;

interface Slot {
  at: number;
  id: bigint;
}

function compareSlot(a: Slot, b: Slot): number {
  if (a.at !== b.at) return a.at < b.at ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export class TimeQueue {
  private readonly tree: BTreeClass<Slot, true> = new BTree<Slot, true>(undefined, compareSlot);
  private readonly byId = new Map<bigint, number>();

  get size(): number {
    return this.byId.size;
  }

  /** Schedules (or reschedules) the lease at the given time. */
  set(id: bigint, at: number): void {
    this.delete(id);
    this.byId.set(id, at);
    this.tree.set({ at, id }, true);
  }

  delete(id: bigint): void {
    const at = this.byId.get(id);
    if (at === undefined) return;
    this.byId.delete(id);
    this.tree.delete({ at, id });
  }

  /** The earliest entry, if any. */
  peek(): Slot | undefined {
    return this.tree.minKey();
  }

  clear(): void {
    this.tree.clear();
    this.byId.clear();
  }
}
