// The history vocabulary of the etcd key-value model. Keys and values are strings; convert etcd's bytes with
// latin1 so that string order is byte order.

import type { Operation } from './types.ts';

export type KvCompare =
  /** False on a missing key, as etcd. */
  | { readonly key: string; readonly target: 'value'; readonly equals: string }
  /** 0 matches a missing key. */
  | { readonly key: string; readonly target: 'modRevision'; readonly equals: number }
  /** 0 matches a missing key. */
  | { readonly key: string; readonly target: 'version'; readonly equals: number };

export type KvRequestOp =
  | { readonly type: 'put'; readonly key: string; readonly value: string; readonly lease?: number }
  | { readonly type: 'get'; readonly key: string }
  | { readonly type: 'delete'; readonly key: string };

export type KvInput =
  | KvRequestOp
  | { readonly type: 'txn'; readonly compare: readonly KvCompare[]; readonly success: readonly KvRequestOp[]; readonly failure: readonly KvRequestOp[] }
  | { readonly type: 'lease-grant'; readonly leaseId: number; readonly ttl: number }
  /** Also how an observed lease expiry enters the history. */
  | { readonly type: 'lease-revoke'; readonly leaseId: number };

/** What a get saw. Absent fields are not checked. */
export interface KvGetResult {
  /** null: the key was missing. */
  readonly value?: string | null;
  readonly modRevision?: number;
  readonly version?: number;
}

/** One txn op's answer: a get's result, or a delete's count. */
export interface KvOpResult extends KvGetResult {
  readonly deleted?: number;
}

/**
 * One flat shape for every op's answer; absent fields are not checked. An output that is present but empty
 * still says the op completed (took effect before it returned).
 */
export interface KvOutput extends KvGetResult {
  /** The response header's revision. */
  readonly revision?: number;
  /** A definite refusal: the op had no effect. */
  readonly error?: 'lease-not-found' | 'lease-exists';
  /** delete: how many keys it removed. */
  readonly deleted?: number;
  /** txn: which branch ran. */
  readonly succeeded?: boolean;
  /** txn: one entry per op of the branch that ran (gets and deletes are checked). */
  readonly results?: readonly (KvOpResult | undefined)[];
}

export type KvOperation = Operation<KvInput, KvOutput>;

/** etcd's compare-and-swap idiom: if value(key) == expected then put else get. */
export function casInput(key: string, expected: string, value: string): KvInput {
  return {
    type: 'txn',
    compare: [{ key, target: 'value', equals: expected }],
    success: [{ type: 'put', key, value }],
    failure: [{ type: 'get', key }],
  };
}

/** The keys and leases an op can touch; the partitioner links ops that share any. */
export function resourcesOf(input: KvInput): string[] {
  switch (input.type) {
    case 'put':
      return input.lease ? [`k:${input.key}`, `l:${input.lease}`] : [`k:${input.key}`];
    case 'get':
    case 'delete':
      return [`k:${input.key}`];
    case 'txn':
      return [...input.compare, ...input.success, ...input.failure].flatMap((x) =>
        'type' in x ? resourcesOf(x) : [`k:${x.key}`],
      );
    case 'lease-grant':
    case 'lease-revoke':
      return [`l:${input.leaseId}`];
  }
}
