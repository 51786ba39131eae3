// Allocation that several apiservers can share through the store: one key per allocated item, created only if absent
// (a Txn on mod_revision == 0), deleted on release. The store decides every race, so two apiservers never hand out the
// same item, and nothing in memory needs to survive a restart.
import type { EtcdClient } from '../storage/index.ts';
import { prefixEnd } from '../storage/index.ts';
import type { ItemRange } from './ranges.ts';

/** What the allocator needs from the store; the etcd one below, an in-memory one in the unit tests. */
export interface AllocationStore {
  /** true when the key was created, false when it already existed. */
  createIfAbsent(key: string, value: string): Promise<boolean>;
  remove(key: string): Promise<void>;
  listKeys(prefix: string): Promise<string[]>;
}

export class EtcdAllocationStore implements AllocationStore {
  constructor(private readonly client: EtcdClient) {}

  async createIfAbsent(key: string, value: string): Promise<boolean> {
    const k = Buffer.from(key);
    const res = await this.client.txn([{ key: k, target: 'mod', modRevision: 0 }], [{ op: 'put', key: k, value: Buffer.from(value) }], []);
    return res.succeeded;
  }

  async remove(key: string): Promise<void> {
    const k = Buffer.from(key);
    await this.client.txn([], [{ op: 'delete', key: k }], []);
  }

  async listKeys(prefix: string): Promise<string[]> {
    const res = await this.client.range(Buffer.from(prefix), { rangeEnd: prefixEnd(Buffer.from(prefix)) });
    return res.kvs.map((kv) => kv.key.toString('utf8'));
  }
}

export type AllocateResult = 'allocated' | 'taken' | 'out-of-range';

/** Random probes before falling back to reading every allocated key: cheap while the range is mostly free. */
const RANDOM_PROBES_MAX = 16;

export class KeyedAllocator {
  constructor(
    private readonly store: AllocationStore,
    /** "/registry/ranges/serviceips/": the item is appended. */
    private readonly prefix: string,
    readonly range: ItemRange,
    /** Uniform integer in [0, n). */
    private readonly randomInt: (n: number) => number,
  ) {}

  /** Claims a specific item. */
  async allocate(item: string, owner: string): Promise<AllocateResult> {
    if (this.range.offsetOf(item) < 0) return 'out-of-range';
    return (await this.store.createIfAbsent(this.prefix + item, owner)) ? 'allocated' : 'taken';
  }

  /** Claims any free item, or returns null when the range is full. */
  async allocateNext(owner: string): Promise<string | null> {
    for (let probe = 0; probe < RANDOM_PROBES_MAX; probe++) {
      const item = this.range.itemAt(this.randomInt(this.range.size));
      if (await this.store.createIfAbsent(this.prefix + item, owner)) return item;
    }
    // Mostly full: walk the free items from a random start; each claim is still decided by the store.
    const taken = new Set((await this.store.listKeys(this.prefix)).map((k) => k.slice(this.prefix.length)));
    const start = this.randomInt(this.range.size);
    for (let i = 0; i < this.range.size; i++) {
      const item = this.range.itemAt((start + i) % this.range.size);
      if (taken.has(item)) continue;
      if (await this.store.createIfAbsent(this.prefix + item, owner)) return item;
    }
    return null;
  }

  async release(item: string): Promise<void> {
    if (this.range.offsetOf(item) < 0) return;
    await this.store.remove(this.prefix + item);
  }
}
