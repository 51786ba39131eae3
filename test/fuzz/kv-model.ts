// A plain in-memory model of etcd 3.4's KV and lease semantics for the model-based fuzz test: every revision's
// state is kept whole, so reads at any revision, compaction and the revision bookkeeping (create, mod, version)
// are easy to see right. Keys live under one prefix per run; everything before the run starts is empty.

export interface ModelKv {
  key: string;
  value: string;
  createRevision: number;
  modRevision: number;
  version: number;
  lease: bigint;
}

export class ModelError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const ERR_COMPACTED = new ModelError('OUT_OF_RANGE', 'etcdserver: mvcc: required revision has been compacted');
export const ERR_FUTURE_REV = new ModelError('OUT_OF_RANGE', 'etcdserver: mvcc: required revision is a future revision');
export const ERR_LEASE_NOT_FOUND = new ModelError('NOT_FOUND', 'etcdserver: requested lease not found');

export type SortTargetName = 'KEY' | 'VERSION' | 'CREATE' | 'MOD' | 'VALUE';
export type SortOrderName = 'NONE' | 'ASCEND' | 'DESCEND';

export interface RangeArgs {
  key: string;
  /** undefined: the one key. */
  end?: string;
  revision: number;
  limit: number;
  sortOrder: SortOrderName;
  sortTarget: SortTargetName;
  countOnly: boolean;
  keysOnly: boolean;
}

export interface RangeResult {
  kvs: ModelKv[];
  count: number;
  more: boolean;
}

export type CompareTargetName = 'VERSION' | 'CREATE' | 'MOD' | 'VALUE';
export type CompareResultName = 'EQUAL' | 'GREATER' | 'LESS' | 'NOT_EQUAL';

export interface CompareArgs {
  key: string;
  target: CompareTargetName;
  result: CompareResultName;
  /** A number for revisions and versions, a string for VALUE. */
  operand: number | string;
}

const inRange = (k: string, key: string, end: string | undefined) => (end === undefined ? k === key : k >= key && k < end);

export class KvModel {
  rev: number;
  compacted: number;
  private readonly states = new Map<number, Map<string, ModelKv>>();
  readonly leases = new Map<bigint, Set<string>>();

  constructor(startRevision: number, compacted: number) {
    this.rev = startRevision;
    this.compacted = compacted;
    this.states.set(startRevision, new Map());
  }

  private latest(): Map<string, ModelKv> {
    return this.states.get(this.rev)!;
  }

  private at(rev: number): Map<string, ModelKv> {
    if (rev <= 0) return this.latest();
    if (rev > this.rev) throw ERR_FUTURE_REV;
    if (rev < this.compacted) throw ERR_COMPACTED;
    return this.states.get(rev) ?? new Map(); // before this run: nothing under its prefix
  }

  /** Starts a write revision: a copy of the latest state to change. */
  private begin(): Map<string, ModelKv> {
    return new Map(this.latest());
  }

  private commit(next: Map<string, ModelKv>): void {
    this.rev++;
    this.states.set(this.rev, next);
  }

  range(a: RangeArgs): RangeResult {
    const state = this.at(a.revision);
    let kvs = [...state.values()].filter((kv) => inRange(kv.key, a.key, a.end)).sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
    const order = a.sortTarget !== 'KEY' && a.sortOrder === 'NONE' ? 'ASCEND' : a.sortOrder;
    if (order !== 'NONE') {
      const field = (kv: ModelKv): number | string =>
        a.sortTarget === 'KEY' ? kv.key : a.sortTarget === 'VERSION' ? kv.version : a.sortTarget === 'CREATE' ? kv.createRevision : a.sortTarget === 'MOD' ? kv.modRevision : kv.value;
      const cmp = (x: ModelKv, y: ModelKv) => (field(x) < field(y) ? -1 : field(x) > field(y) ? 1 : 0);
      kvs = [...kvs].sort(order === 'ASCEND' ? cmp : (x, y) => cmp(y, x)); // stable: ties stay in key order
    }
    const count = kvs.length;
    const more = a.limit > 0 && count > a.limit;
    if (a.limit > 0) kvs = kvs.slice(0, a.limit);
    if (a.countOnly) kvs = [];
    if (a.keysOnly) kvs = kvs.map((kv) => ({ ...kv, value: '' }));
    return { kvs, count, more };
  }

  put(key: string, value: string, lease: bigint): { prevKv?: ModelKv } {
    if (lease !== 0n && !this.leases.has(lease)) throw ERR_LEASE_NOT_FOUND;
    const next = this.begin();
    const prevKv = this.applyPut(next, key, value, lease, this.rev + 1);
    this.commit(next);
    return { prevKv };
  }

  private applyPut(next: Map<string, ModelKv>, key: string, value: string, lease: bigint, rev: number): ModelKv | undefined {
    const prev = next.get(key);
    if (prev !== undefined && prev.lease !== 0n) this.leases.get(prev.lease)?.delete(key);
    next.set(key, { key, value, createRevision: prev?.createRevision ?? rev, modRevision: rev, version: (prev?.version ?? 0) + 1, lease });
    if (lease !== 0n) this.leases.get(lease)!.add(key);
    return prev;
  }

  deleteRange(key: string, end: string | undefined): { deleted: number; prevKvs: ModelKv[] } {
    const next = this.begin();
    const prevKvs = this.applyDelete(next, key, end);
    if (prevKvs.length > 0) this.commit(next);
    return { deleted: prevKvs.length, prevKvs };
  }

  private applyDelete(next: Map<string, ModelKv>, key: string, end: string | undefined): ModelKv[] {
    const gone = [...next.values()].filter((kv) => inRange(kv.key, key, end)).sort((x, y) => (x.key < y.key ? -1 : 1));
    for (const kv of gone) {
      next.delete(kv.key);
      if (kv.lease !== 0n) this.leases.get(kv.lease)?.delete(kv.key);
    }
    return gone;
  }

  /** A txn of compares, then one put and one range on success, one range on failure. */
  txn(compares: CompareArgs[], put: { key: string; value: string }, read: RangeArgs): { succeeded: boolean; range: RangeResult; prevKv?: ModelKv } {
    const succeeded = compares.every((c) => this.compare(c));
    if (!succeeded) return { succeeded, range: this.range({ ...read, revision: 0 }) };
    const next = this.begin();
    const prevKv = this.applyPut(next, put.key, put.value, 0n, this.rev + 1);
    this.commit(next);
    return { succeeded, range: this.range({ ...read, revision: 0 }), prevKv };
  }

  private compare(c: CompareArgs): boolean {
    const kv = this.latest().get(c.key);
    if (kv === undefined && c.target === 'VALUE') return false;
    const actual = c.target === 'VALUE' ? kv!.value : c.target === 'VERSION' ? (kv?.version ?? 0) : c.target === 'CREATE' ? (kv?.createRevision ?? 0) : (kv?.modRevision ?? 0);
    const order = actual < c.operand ? -1 : actual > c.operand ? 1 : 0;
    return c.result === 'EQUAL' ? order === 0 : c.result === 'NOT_EQUAL' ? order !== 0 : c.result === 'GREATER' ? order > 0 : order < 0;
  }

  compact(rev: number): void {
    if (rev <= this.compacted) throw ERR_COMPACTED;
    if (rev > this.rev) throw ERR_FUTURE_REV;
    this.compacted = rev;
  }

  grant(id: bigint): void {
    this.leases.set(id, new Set());
  }

  revoke(id: bigint): void {
    const keys = this.leases.get(id);
    if (keys === undefined) throw ERR_LEASE_NOT_FOUND;
    this.leases.delete(id);
    if (keys.size === 0) return;
    const next = this.begin();
    for (const k of keys) next.delete(k);
    this.commit(next);
  }
}
