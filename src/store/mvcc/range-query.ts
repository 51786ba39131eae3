// The part of a Range that works on the materialised key-values: revision filters, sorting, limit and
// keys_only, applied in etcd's order. Also the Compare evaluation of a txn on one key-value.

import {
  CompareResult,
  CompareTarget,
  SortOrder,
  SortTarget,
  type Compare,
  type KeyValue,
  type RangeRequest,
} from './types.ts';

const EMPTY = Buffer.alloc(0);

export function hasRevisionFilters(req: RangeRequest): boolean {
  return !!(req.minModRevision || req.maxModRevision || req.minCreateRevision || req.maxCreateRevision);
}

/**
 * Whether every matching key must be materialised. Otherwise the caller fetches limit + 1 in key order; like
 * etcd, a non-key sort target with sort order NONE then sorts only those.
 */
export function needsAllKeys(req: RangeRequest): boolean {
  return (req.sortOrder ?? SortOrder.None) !== SortOrder.None || hasRevisionFilters(req);
}

const numeric = (a: number, b: number) => (a < b ? -1 : a > b ? 1 : 0);

function sortComparator(target: SortTarget): (a: KeyValue, b: KeyValue) => number {
  switch (target) {
    case SortTarget.Key:
      return (a, b) => Buffer.compare(a.key, b.key);
    case SortTarget.Version:
      return (a, b) => numeric(a.version, b.version);
    case SortTarget.Create:
      return (a, b) => numeric(a.createRevision, b.createRevision);
    case SortTarget.Mod:
      return (a, b) => numeric(a.modRevision, b.modRevision);
    case SortTarget.Value:
      return (a, b) => Buffer.compare(a.value, b.value);
    default:
      // A target off the wire that etcd does not know (etcd 3.4.23 panics on it): keep key order.
      return () => 0;
  }
}

/** Filters, sorts and truncates kvs (in key order on entry). Ties keep key order (a stable sort). */
export function finishRange(req: RangeRequest, fetched: KeyValue[]): { kvs: KeyValue[]; more: boolean } {
  let kvs = fetched;
  if (req.maxModRevision) kvs = kvs.filter((kv) => kv.modRevision <= req.maxModRevision!);
  if (req.minModRevision) kvs = kvs.filter((kv) => kv.modRevision >= req.minModRevision!);
  if (req.maxCreateRevision) kvs = kvs.filter((kv) => kv.createRevision <= req.maxCreateRevision!);
  if (req.minCreateRevision) kvs = kvs.filter((kv) => kv.createRevision >= req.minCreateRevision!);

  const target = req.sortTarget ?? SortTarget.Key;
  let order = req.sortOrder ?? SortOrder.None;
  if (target !== SortTarget.Key && order === SortOrder.None) order = SortOrder.Ascend;
  if (order !== SortOrder.None && !(target === SortTarget.Key && order === SortOrder.Ascend)) {
    const cmp = sortComparator(target);
    kvs = kvs === fetched ? [...kvs] : kvs;
    kvs.sort(order === SortOrder.Descend ? (a, b) => cmp(b, a) : cmp);
  }

  const limit = req.limit ?? 0;
  let more = false;
  if (limit > 0 && kvs.length > limit) {
    kvs = kvs.slice(0, limit);
    more = true;
  }
  if (req.keysOnly) kvs = kvs.map((kv) => ({ ...kv, value: EMPTY }));
  return { kvs, more };
}

/** The all-zero key-value a missing key compares as. */
export const ABSENT_KV: KeyValue = { key: EMPTY, createRevision: 0, modRevision: 0, version: 0, value: EMPTY, lease: 0n };

export function compareKeyValue(c: Compare, kv: KeyValue): boolean {
  let order: number;
  switch (c.target) {
    case CompareTarget.Value:
      order = Buffer.compare(kv.value, c.value ?? EMPTY);
      break;
    case CompareTarget.Create:
      order = numeric(kv.createRevision, c.createRevision ?? 0);
      break;
    case CompareTarget.Mod:
      order = numeric(kv.modRevision, c.modRevision ?? 0);
      break;
    case CompareTarget.Version:
      order = numeric(kv.version, c.version ?? 0);
      break;
    case CompareTarget.Lease: {
      const lease = c.lease ?? 0n;
      order = kv.lease < lease ? -1 : kv.lease > lease ? 1 : 0;
      break;
    }
    default:
      // etcd compares an unknown target (a value off the wire) as equal.
      order = 0;
  }
  switch (c.result) {
    case CompareResult.Equal:
      return order === 0;
    case CompareResult.NotEqual:
      return order !== 0;
    case CompareResult.Greater:
      return order > 0;
    case CompareResult.Less:
      return order < 0;
    default:
      return true; // etcd: an unknown result holds
  }
}
