// The sequential specification of etcd's key-value API as the checker sees it: puts, gets, deletes, txns
// with compares, and leases as attachments (expiry enters the history as a revoke). Header revisions are
// checked according to the `revisions` option:
//   off        no revision is checked; modRevision compares in txns are decided by the observed branch.
//   monotonic  each write's revision is above everything seen before it, each read's is at least that, and
//              a get's modRevision equals the revision of the write it reads. Sound per key, so the history
//              is still partitioned; pair it with checkRevisionOrder for the cross-key rules.
//   exact      every revision-changing write is in the history: a write is exactly previous + 1, a read
//              exactly the current revision. Revisions are global, so there is no partitioning.

import type { KvCompare, KvGetResult, KvInput, KvOperation, KvOutput, KvRequestOp } from './kv-types.ts';
import { resourcesOf } from './kv-types.ts';
import { describeInput, describeOutput } from './kv-describe.ts';
import { partitionByResources } from './kv-partition.ts';
import type { Model } from './types.ts';

export type RevisionCheck = 'off' | 'monotonic' | 'exact';

export interface KvModelOptions {
  /** Default 'monotonic'. */
  readonly revisions?: RevisionCheck;
  /** 'exact' only: the store's revision before the history (1 for a fresh etcd). Default: learned. */
  readonly initialRevision?: number;
}

interface KeyState {
  readonly value: string;
  /** -1: not known (written by an op whose revision nobody saw). */
  readonly modRevision: number;
  readonly version: number;
  /** 0: none. */
  readonly lease: number;
}

export interface KvState {
  readonly keys: ReadonlyMap<string, KeyState>;
  readonly leases: ReadonlySet<number>;
  /** monotonic: a lower bound of the store's revision; exact: the revision, 0 while unknown. */
  readonly revision: number;
  /** Memoized stateKey. */
  memo?: string;
}

type Why = string[] | null;

function reject(why: Why, message: () => string): undefined {
  if (why) why.push(message());
  return undefined;
}

const show = (s: string): string => JSON.stringify(s);

/** One step's copy-on-write view of a state. */
class Draft {
  keys: Map<string, KeyState> | ReadonlyMap<string, KeyState>;
  leases: Set<number> | ReadonlySet<number>;
  private ownKeys = false;
  private ownLeases = false;
  /** Keys written by this step: their modRevision is the step's revision, known only at the end. */
  readonly written: string[] = [];

  constructor(readonly base: KvState) {
    this.keys = base.keys;
    this.leases = base.leases;
  }

  setKey(key: string, state: KeyState | undefined): void {
    if (!this.ownKeys) {
      this.keys = new Map(this.keys);
      this.ownKeys = true;
    }
    const keys = this.keys as Map<string, KeyState>;
    if (state === undefined) keys.delete(key);
    else keys.set(key, state);
  }

  setLease(id: number, present: boolean): void {
    if (!this.ownLeases) {
      this.leases = new Set(this.leases);
      this.ownLeases = true;
    }
    const leases = this.leases as Set<number>;
    if (present) leases.add(id);
    else leases.delete(id);
  }

  put(key: string, value: string, lease: number): void {
    const previous = this.keys.get(key);
    this.setKey(key, { value, modRevision: -1, version: (previous?.version ?? 0) + 1, lease });
    this.written.push(key);
  }

  /** True when the key existed. */
  delete(key: string): boolean {
    if (!this.keys.has(key)) return false;
    this.setKey(key, undefined);
    this.written.push(key);
    return true;
  }
}

export class KvModel implements Model<KvState, KvInput, KvOutput> {
  readonly revisions: RevisionCheck;
  private readonly initialRevision: number;

  constructor(options: KvModelOptions = {}) {
    this.revisions = options.revisions ?? 'monotonic';
    this.initialRevision = this.revisions === 'exact' ? (options.initialRevision ?? 0) : 0;
  }

  init(): KvState {
    return { keys: new Map(), leases: new Set(), revision: this.initialRevision };
  }

  step(state: KvState, input: KvInput, output: KvOutput | undefined): KvState | undefined {
    return this.apply(state, input, output, null);
  }

  explain(state: KvState, input: KvInput, output: KvOutput | undefined): string {
    const why: string[] = [];
    return this.apply(state, input, output, why) === undefined ? (why[0] ?? 'rejected') : 'accepted';
  }

  isReadOnly(input: KvInput): boolean {
    if (input.type === 'get') return true;
    if (input.type !== 'txn') return false;
    return [...input.success, ...input.failure].every((op) => op.type === 'get');
  }

  stateKey(state: KvState): string {
    if (state.memo !== undefined) return state.memo;
    const keys = [...state.keys.keys()].sort();
    let s = `${state.revision}|`;
    for (const k of keys) {
      const v = state.keys.get(k)!;
      s += `${show(k)}=${show(v.value)}@${v.modRevision}v${v.version}l${v.lease};`;
    }
    s += `|${[...state.leases].sort((a, b) => a - b).join(',')}`;
    state.memo = s;
    return s;
  }

  describeState(state: KvState): string {
    const keys = [...state.keys.keys()].sort().map((k) => {
      const v = state.keys.get(k)!;
      const mod = v.modRevision >= 0 ? ` mod ${v.modRevision}` : '';
      return `${show(k)}=${show(v.value)} (v${v.version}${mod}${v.lease ? ` lease ${v.lease}` : ''})`;
    });
    const parts = [keys.length ? keys.join(', ') : 'no keys'];
    if (state.leases.size) parts.push(`leases ${[...state.leases].sort((a, b) => a - b).join(',')}`);
    if (this.revisions !== 'off' && state.revision > 0) {
      parts.push(this.revisions === 'exact' ? `revision ${state.revision}` : `revision >= ${state.revision}`);
    }
    return parts.join('; ');
  }

  describeOperation(input: KvInput, output: KvOutput | undefined): string {
    return `${describeInput(input)} -> ${output === undefined ? '?' : describeOutput(input, output)}`;
  }

  partition(ops: readonly KvOperation[]): number[][] {
    if (this.revisions === 'exact') return [ops.map((_, i) => i)];
    return partitionByResources(ops);
  }

  footprints(ops: readonly KvOperation[]): string[][] {
    // A revoke touches every key ever put with its lease; exact revisions tie every op to every other.
    const attached = new Map<number, string[]>();
    for (const { input } of ops) {
      const puts = input.type === 'put' ? [input] : input.type === 'txn' ? [...input.success, ...input.failure] : [];
      for (const p of puts) if (p.type === 'put' && p.lease) attached.set(p.lease, [...(attached.get(p.lease) ?? []), `k:${p.key}`]);
    }
    return ops.map(({ input }) => {
      const own = resourcesOf(input);
      const all = input.type === 'lease-revoke' ? [...own, ...(attached.get(input.leaseId) ?? [])] : own;
      return this.revisions === 'exact' ? [...all, 'revision'] : all;
    });
  }

  describePartition(ops: readonly KvOperation[]): string {
    const resources = [...new Set(ops.flatMap((op) => resourcesOf(op.input)))].sort();
    const keys = resources.filter((r) => r.startsWith('k:')).map((r) => show(r.slice(2)));
    const leases = resources.filter((r) => r.startsWith('l:')).map((r) => r.slice(2));
    const parts = [];
    if (keys.length) parts.push(`key${keys.length > 1 ? 's' : ''} ${keys.join(', ')}`);
    if (leases.length) parts.push(`lease${leases.length > 1 ? 's' : ''} ${leases.join(', ')}`);
    return parts.join('; ') || 'no keys';
  }

  private apply(state: KvState, input: KvInput, output: KvOutput | undefined, why: Why): KvState | undefined {
    const d = new Draft(state);
    let ok: boolean | undefined;
    switch (input.type) {
      case 'put':
      case 'get':
      case 'delete':
        ok = this.applyRequest(d, input, output, output, why);
        break;
      case 'txn':
        ok = this.applyTxn(d, input, output, why);
        break;
      case 'lease-grant':
        ok = this.applyLease(d, input.leaseId, true, output, why);
        break;
      case 'lease-revoke':
        ok = this.applyLease(d, input.leaseId, false, output, why);
        break;
    }
    if (!ok) return undefined;
    return this.finish(d, output?.revision, why);
  }

  /** `result` is where a get's answer is (the output, or the txn's per-op result). */
  private applyRequest(d: Draft, op: KvRequestOp, output: KvOutput | undefined, result: KvGetResult | undefined, why: Why): boolean {
    switch (op.type) {
      case 'put': {
        const lease = op.lease ?? 0;
        if (lease !== 0 && !d.leases.has(lease)) {
          if (output !== undefined && output.error !== 'lease-not-found') {
            return !!reject(why, () => `put with lease ${lease} succeeded, but that lease does not exist`);
          }
          return true;
        }
        if (output?.error !== undefined) return !!reject(why, () => `put failed with ${output.error}, but lease ${lease} exists`);
        d.put(op.key, op.value, lease);
        return true;
      }
      case 'delete': {
        const existed = d.delete(op.key);
        if (output?.deleted !== undefined && output.deleted !== (existed ? 1 : 0)) {
          return !!reject(why, () => `deleted ${output.deleted} keys, but ${show(op.key)} ${existed ? 'existed' : 'was missing'}`);
        }
        return true;
      }
      case 'get':
        return result === undefined || this.checkGet(d, op.key, result, output?.revision, why);
    }
  }

  private checkGet(d: Draft, key: string, result: KvGetResult, headerRevision: number | undefined, why: Why): boolean {
    const k = d.keys.get(key);
    if (result.value !== undefined) {
      if (result.value === null && k !== undefined) {
        return !!reject(why, () => `read ${show(key)} as missing, but it holds ${show(k.value)}`);
      }
      if (result.value !== null && k === undefined) {
        return !!reject(why, () => `read ${show(key)} = ${show(result.value!)}, but the key is missing`);
      }
      if (result.value !== null && k !== undefined && result.value !== k.value) {
        return !!reject(why, () => `read ${show(key)} = ${show(result.value!)}, but it holds ${show(k.value)}`);
      }
    }
    if (result.version !== undefined && result.version !== (k?.version ?? 0)) {
      return !!reject(why, () => `read ${show(key)} at version ${result.version}, but it is at version ${k?.version ?? 0}`);
    }
    const mod = result.modRevision;
    if (mod === undefined || this.revisions === 'off' || d.written.includes(key)) return true;
    if (headerRevision !== undefined && mod > headerRevision) {
      return !!reject(why, () => `read ${show(key)} with mod revision ${mod} above the header revision ${headerRevision}`);
    }
    const known = k === undefined ? 0 : k.modRevision;
    if (known >= 0 && mod !== known) {
      return !!reject(why, () => `read ${show(key)} with mod revision ${mod}, but its last write was at ${known}`);
    }
    if (known < 0) d.setKey(key, { ...k!, modRevision: mod });
    return true;
  }

  private applyTxn(d: Draft, input: Extract<KvInput, { type: 'txn' }>, output: KvOutput | undefined, why: Why): boolean {
    const decided = input.compare.map((c) => this.compare(d, c));
    const verdict = decided.includes(false) ? false : decided.includes(undefined) ? undefined : true;
    if (verdict !== undefined && output?.succeeded !== undefined && output.succeeded !== verdict) {
      return !!reject(why, () => `txn ${output.succeeded ? 'succeeded' : 'failed'}, but its compare is ${verdict} here (${this.describeCompares(d, input.compare)})`);
    }
    // A compare on an unknown mod revision is decided by what the client saw; unseen, it counts as false.
    const succeeded = verdict ?? output?.succeeded ?? false;
    if (succeeded && verdict === undefined) {
      input.compare.forEach((c, i) => {
        if (decided[i] === undefined) d.setKey(c.key, { ...d.keys.get(c.key)!, modRevision: c.equals as number });
      });
    }
    const branch = succeeded ? input.success : input.failure;
    const missingLease = branch.find((op) => op.type === 'put' && op.lease && !d.leases.has(op.lease));
    if (missingLease !== undefined) {
      if (output !== undefined && output.error !== 'lease-not-found') {
        return !!reject(why, () => `txn put with lease ${(missingLease as { lease: number }).lease} succeeded, but that lease does not exist`);
      }
      return true;
    }
    if (output?.error !== undefined) return !!reject(why, () => `txn failed with ${output.error}, but all its leases exist`);
    for (let i = 0; i < branch.length; i++) {
      const result = output?.results?.[i];
      const opOutput: KvOutput | undefined = result === undefined ? undefined : { ...result, revision: output?.revision };
      if (!this.applyRequest(d, branch[i], opOutput, result, why)) return false;
    }
    return true;
  }

  /** undefined: depends on a mod revision nobody saw. */
  private compare(d: Draft, c: KvCompare): boolean | undefined {
    const k = d.keys.get(c.key);
    switch (c.target) {
      case 'value':
        return k !== undefined && k.value === c.equals;
      case 'version':
        return (k?.version ?? 0) === c.equals;
      case 'modRevision':
        if (k === undefined) return c.equals === 0;
        return k.modRevision < 0 ? undefined : k.modRevision === c.equals;
    }
  }

  private describeCompares(d: Draft, compares: readonly KvCompare[]): string {
    return compares
      .map((c) => {
        const k = d.keys.get(c.key);
        const actual = k === undefined ? 'missing' : c.target === 'value' ? show(k.value) : String(c.target === 'version' ? k.version : k.modRevision);
        return `${c.target}(${show(c.key)}) is ${actual}`;
      })
      .join(', ');
  }

  private applyLease(d: Draft, id: number, grant: boolean, output: KvOutput | undefined, why: Why): boolean {
    const exists = d.leases.has(id);
    const expectedError = grant ? (exists ? 'lease-exists' : undefined) : exists ? undefined : 'lease-not-found';
    if (output !== undefined && output.error !== expectedError) {
      return !!reject(why, () =>
        `lease ${grant ? 'grant' : 'revoke'} ${id} ${output.error ? `failed with ${output.error}` : 'succeeded'}, but the lease ${exists ? 'exists' : 'does not exist'}`,
      );
    }
    if (expectedError !== undefined) return true;
    d.setLease(id, grant);
    if (!grant) for (const [key, k] of [...d.keys]) if (k.lease === id) d.delete(key);
    return true;
  }

  /** Checks the header revision and stamps the written keys with the step's revision. */
  private finish(d: Draft, header: number | undefined, why: Why): KvState | undefined {
    const changes = d.written.length > 0;
    const before = d.base.revision;
    let revision = before;
    let stamp = -1;
    if (this.revisions === 'monotonic') {
      if (header !== undefined && (changes ? header <= before : header < before)) {
        return reject(why, () => `header revision ${header} is ${changes ? 'not above' : 'below'} ${before}, already seen before it`);
      }
      // A write nobody saw the revision of leaves the bound alone: bumping it would couple keys, and the
      // search relies on ops of disjoint keys commuting.
      revision = header ?? before;
      stamp = changes && header !== undefined ? header : -1;
    } else if (this.revisions === 'exact') {
      const expected = before === 0 ? undefined : changes ? before + 1 : before;
      if (header !== undefined && expected !== undefined && header !== expected) {
        return reject(why, () => `header revision ${header}, but the store is at ${expected} after this ${changes ? 'write' : 'read'}`);
      }
      revision = header ?? expected ?? 0;
      stamp = changes && revision > 0 ? revision : -1;
    }
    if (this.revisions !== 'off') {
      for (const key of d.written) {
        const k = d.keys.get(key);
        if (k !== undefined) d.setKey(key, { ...k, modRevision: stamp });
      }
    }
    if (!changes && revision === before && d.keys === d.base.keys && d.leases === d.base.leases) return d.base;
    return { keys: d.keys, leases: d.leases, revision };
  }
}
