// Test support: a sequential etcd stand-in driven by concurrent simulated clients. Each op takes effect at one
// instant between its call and its return, so every history it produces is linearizable by construction.

import type { KvGetResult, KvInput, KvOperation, KvOutput, KvRequestOp } from './kv-types.ts';

/** mulberry32: small, seeded, good enough for test traffic. */
export function seededRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Stored {
  value: string;
  modRevision: number;
  version: number;
  lease: number;
}

/** The reference store: etcd's semantics for the subset the model covers. */
export class ReferenceKv {
  readonly keys = new Map<string, Stored>();
  readonly leases = new Set<number>();
  revision = 1;

  apply(input: KvInput): KvOutput {
    switch (input.type) {
      case 'txn': {
        const ok = input.compare.every((c) => {
          const k = this.keys.get(c.key);
          if (c.target === 'value') return k !== undefined && k.value === c.equals;
          return (c.target === 'version' ? (k?.version ?? 0) : (k?.modRevision ?? 0)) === c.equals;
        });
        const branch = ok ? input.success : input.failure;
        if (branch.some((op) => op.type === 'put' && op.lease && !this.leases.has(op.lease))) return { error: 'lease-not-found', revision: this.revision };
        const next = this.revision + 1;
        let wrote = false;
        const results = branch.map((op) => {
          const r = this.request(op, next);
          wrote ||= r.wrote;
          return r.result;
        });
        if (wrote) this.revision = next;
        return { succeeded: ok, results, revision: this.revision };
      }
      case 'lease-grant':
        if (this.leases.has(input.leaseId)) return { error: 'lease-exists', revision: this.revision };
        this.leases.add(input.leaseId);
        return { revision: this.revision };
      case 'lease-revoke': {
        if (!this.leases.delete(input.leaseId)) return { error: 'lease-not-found', revision: this.revision };
        const attached = [...this.keys].filter(([, k]) => k.lease === input.leaseId);
        for (const [key] of attached) this.keys.delete(key);
        if (attached.length) this.revision++;
        return { revision: this.revision };
      }
      default: {
        if (input.type === 'put' && input.lease && !this.leases.has(input.lease)) return { error: 'lease-not-found', revision: this.revision };
        const r = this.request(input, this.revision + 1);
        if (r.wrote) this.revision++;
        return { ...r.result, revision: this.revision };
      }
    }
  }

  private request(op: KvRequestOp, revision: number): { wrote: boolean; result: KvGetResult & { deleted?: number } } {
    const k = this.keys.get(op.key);
    switch (op.type) {
      case 'put':
        this.keys.set(op.key, { value: op.value, modRevision: revision, version: (k?.version ?? 0) + 1, lease: op.lease ?? 0 });
        return { wrote: true, result: {} };
      case 'delete':
        this.keys.delete(op.key);
        return { wrote: k !== undefined, result: { deleted: k ? 1 : 0 } };
      case 'get':
        return { wrote: false, result: k ? { value: k.value, modRevision: k.modRevision, version: k.version } : { value: null } };
    }
  }
}

export interface SimulationOptions {
  readonly seed: number;
  readonly clients: number;
  readonly keys: number;
  readonly operations: number;
  /** Chance that a client never hears back (the op may or may not take effect). */
  readonly unknownRate?: number;
  readonly leases?: boolean;
  readonly revisions?: boolean;
}

export function simulateKvHistory(options: SimulationOptions): KvOperation[] {
  const rng = seededRng(options.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
  const keys = Array.from({ length: options.keys }, (_, i) => `k${i}`);
  const store = new ReferenceKv();
  let written = 0;
  const nextInput = (): KvInput => {
    const key = pick(keys);
    const roll = rng();
    if (roll < 0.35) return { type: 'put', key, value: `v${++written}` };
    if (roll < 0.65) return { type: 'get', key };
    if (roll < 0.7) return { type: 'delete', key };
    if (roll < 0.85 || !options.leases) {
      const current = store.keys.get(key)?.value ?? 'none';
      const expected = rng() < 0.6 ? current : `v${Math.floor(rng() * (written + 1))}`;
      return { type: 'txn', compare: [{ key, target: 'value', equals: expected }], success: [{ type: 'put', key, value: `v${++written}` }], failure: [{ type: 'get', key }] };
    }
    const leaseId = 1 + Math.floor(rng() * 2);
    if (roll < 0.9) return { type: 'put', key, value: `v${++written}`, lease: leaseId };
    if (roll < 0.95) return { type: 'lease-grant', leaseId, ttl: 10 };
    return { type: 'lease-revoke', leaseId };
  };
  interface InFlight {
    input: KvInput;
    call: number;
    output?: KvOutput;
  }
  const inFlight: (InFlight | undefined)[] = new Array(options.clients).fill(undefined);
  const history: KvOperation[] = [];
  let started = 0;
  for (let time = 0; started < options.operations || inFlight.some(Boolean); time++) {
    const client = Math.floor(rng() * options.clients);
    const op = inFlight[client];
    if (op === undefined) {
      if (started < options.operations) {
        inFlight[client] = { input: nextInput(), call: time };
        started++;
      }
    } else if (op.output === undefined) {
      if (rng() < 0.5) {
        op.output = store.apply(op.input);
        if (!options.revisions) op.output = withoutRevisions(op.output);
      } else if (rng() < (options.unknownRate ?? 0)) {
        // The client gives up before the op took effect; it never will.
        history.push({ clientId: client, call: op.call, input: op.input });
        inFlight[client] = undefined;
      }
    } else {
      const lost = rng() < (options.unknownRate ?? 0);
      history.push(lost ? { clientId: client, call: op.call, input: op.input } : { clientId: client, call: op.call, return: time, input: op.input, output: op.output });
      inFlight[client] = undefined;
    }
  }
  return history;
}

function withoutRevisions(output: KvOutput): KvOutput {
  const { revision: _r, modRevision: _m, ...rest } = output;
  return rest.results ? { ...rest, results: rest.results.map((r) => r && { value: r.value, version: r.version, deleted: r.deleted }) } : rest;
}
