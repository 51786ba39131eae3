// The clients: each one loops until the run ends, picking a workload per op with its own seeded generator, and
// records every op. Workloads (each on its own keys, so the checker can split the history):
//   register  put / get / delete on a few keys
//   cas       if value(k) == last seen then put(k, new) else get(k)
//   txn       two keys at once: if modRevision(a) == last seen then put a, put b else get a, get b
//   lease     grant (client-chosen ID) -> put with the lease -> get -> revoke -> get, one step per op
// Besides the clients, one reader per member only reads the register keys and never moves: a member cut off from
// the others keeps its reader, which is what makes a stale read (a member answering from its own, old state) show
// up within a single partition rather than by luck.
// A client sticks to one member and moves to the next after a failure. An op with an unknown outcome retires the
// client's id (Jepsen's convention: a process whose op may still be in flight is crashed); the next op goes out
// under a fresh id, so one id's ops never overlap.
import type { KvInput } from '../index.ts';
import { casInput } from '../index.ts';
import { neverSent, rpcFailure, type EtcdRpc } from './etcd-rpc.ts';
import type { HistoryRecorder } from './history-recorder.ts';
import { executeKv } from './kv-wire.ts';
import type { Rng } from './rng.ts';

export const KEY_PREFIX = 'jepsen/';
export const KEY_PREFIX_END = 'jepsen0';
const REGISTER_KEYS = [0, 1, 2].map((i) => `${KEY_PREFIX}r/${i}`);
const CAS_KEYS = [0, 1].map((i) => `${KEY_PREFIX}c/${i}`);
const TXN_KEYS = [`${KEY_PREFIX}t/a`, `${KEY_PREFIX}t/b`];
const LEASE_KEYS = [0, 1].map((i) => `${KEY_PREFIX}l/${i}`);
/** Client ids of one worker: worker * stride + generation. */
export const CLIENT_ID_STRIDE = 10_000;
const READER_BACKOFF_MS = 100;

export interface WorkloadOptions {
  worker: number;
  rng: Rng;
  recorder: HistoryRecorder;
  /** A client on member slot i (the worker's own channels). */
  endpoint: (slot: number) => EtcdRpc;
  slots: number;
  opTimeoutMs: number;
  /** Pause between ops, drawn in [0, thinkMs]. */
  thinkMs: number;
  leaseTtlSeconds: number;
  stopped: () => boolean;
}

type LeaseStage = 'grant' | 'put' | 'get' | 'revoke' | 'get-after';

export async function runWorker(o: WorkloadOptions): Promise<void> {
  let generation = 0;
  let slot = o.worker % o.slots;
  let seq = 0;
  /** The last value / mod revision this worker saw per key: CAS and txn compare against it. */
  const seenValue = new Map<string, string>();
  const seenMod = new Map<string, number>();
  let leaseStage: LeaseStage = 'grant';
  let leaseId = 0;
  let leaseCount = 0;
  const leaseKey = LEASE_KEYS[o.worker % LEASE_KEYS.length];

  const nextValue = (): string => `w${o.worker}-${++seq}`;

  const chooseOp = (): { kind: string; input: KvInput; leaseStep?: boolean } => {
    const dice = o.rng.next();
    if (dice < 0.35) {
      const key = o.rng.pick(REGISTER_KEYS);
      const r = o.rng.next();
      if (r < 0.45) return { kind: 'get', input: { type: 'get', key } };
      if (r < 0.9) return { kind: 'put', input: { type: 'put', key, value: nextValue() } };
      return { kind: 'delete', input: { type: 'delete', key } };
    }
    if (dice < 0.6) {
      const key = o.rng.pick(CAS_KEYS);
      const expected = seenValue.get(key);
      if (o.rng.chance(0.1)) return { kind: 'get', input: { type: 'get', key } };
      if (expected !== undefined) return { kind: 'cas', input: casInput(key, expected, nextValue()) };
      // Believed missing: create only if still missing (version 0).
      const create: KvInput = {
        type: 'txn',
        compare: [{ key, target: 'version', equals: 0 }],
        success: [{ type: 'put', key, value: nextValue() }],
        failure: [{ type: 'get', key }],
      };
      return { kind: 'cas', input: create };
    }
    if (dice < 0.75) {
      const [a, b] = TXN_KEYS;
      return {
        kind: 'txn',
        input: {
          type: 'txn',
          compare: [{ key: a, target: 'modRevision', equals: seenMod.get(a) ?? 0 }],
          success: [
            { type: 'put', key: a, value: nextValue() },
            { type: 'put', key: b, value: nextValue() },
          ],
          failure: [
            { type: 'get', key: a },
            { type: 'get', key: b },
          ],
        },
      };
    }
    switch (leaseStage) {
      case 'grant':
        leaseId = (o.worker + 1) * 1_000_000 + ++leaseCount;
        return { kind: 'lease-grant', input: { type: 'lease-grant', leaseId, ttl: o.leaseTtlSeconds }, leaseStep: true };
      case 'put':
        return { kind: 'lease-put', input: { type: 'put', key: leaseKey, value: nextValue(), lease: leaseId }, leaseStep: true };
      case 'get':
      case 'get-after':
        return { kind: 'get', input: { type: 'get', key: leaseKey }, leaseStep: true };
      case 'revoke':
        return { kind: 'lease-revoke', input: { type: 'lease-revoke', leaseId }, leaseStep: true };
    }
  };

  const nextLeaseStage = (): void => {
    const order: LeaseStage[] = ['grant', 'put', 'get', 'revoke', 'get-after'];
    leaseStage = order[(order.indexOf(leaseStage) + 1) % order.length];
  };

  while (!o.stopped()) {
    const { kind, input, leaseStep } = chooseOp();
    const pending = o.recorder.begin(o.worker * CLIENT_ID_STRIDE + generation, kind, input);
    try {
      const output = await executeKv(o.endpoint(slot), input, o.opTimeoutMs);
      o.recorder.ok(pending, output);
      learn(input, output.results, output, seenValue, seenMod);
    } catch (err) {
      if (neverSent(rpcFailure(err))) o.recorder.failed(pending);
      else {
        o.recorder.unknown(pending);
        generation++;
      }
      slot = (slot + 1) % o.slots;
      // A lease step that failed is not retried: move on so that the lease is still revoked eventually.
    }
    if (leaseStep === true) nextLeaseStage();
    if (o.thinkMs > 0) await sleep(o.rng.int(o.thinkMs + 1));
  }
}

export interface ReaderOptions {
  /** Client id: fixed, as a reader's failed read has no effect and so never retires the id. */
  clientId: number;
  rng: Rng;
  recorder: HistoryRecorder;
  /** The reader's own client on its member. */
  endpoint: EtcdRpc;
  opTimeoutMs: number;
  thinkMs: number;
  stopped: () => boolean;
}

export async function runReader(o: ReaderOptions): Promise<void> {
  while (!o.stopped()) {
    const input: KvInput = { type: 'get', key: o.rng.pick(REGISTER_KEYS) };
    const pending = o.recorder.begin(o.clientId, 'member-get', input);
    try {
      o.recorder.ok(pending, await executeKv(o.endpoint, input, o.opTimeoutMs));
    } catch {
      // A range changes nothing, so a read without an answer is an op without effect whatever happened to it.
      o.recorder.failed(pending);
      // A member that is down refuses at once: do not spin on it.
      await sleep(READER_BACKOFF_MS);
    }
    if (o.thinkMs > 0) await sleep(o.rng.int(o.thinkMs + 1));
  }
}

function learn(
  input: KvInput,
  results: readonly ({ value?: string | null; modRevision?: number } | undefined)[] | undefined,
  output: { value?: string | null; modRevision?: number; revision?: number; succeeded?: boolean },
  seenValue: Map<string, string>,
  seenMod: Map<string, number>,
): void {
  const note = (key: string, value: string | null | undefined, mod: number | undefined): void => {
    if (value === null) {
      seenValue.delete(key);
      seenMod.set(key, 0);
    } else if (value !== undefined) {
      seenValue.set(key, value);
      if (mod !== undefined) seenMod.set(key, mod);
    }
  };
  if (input.type === 'get') note(input.key, output.value, output.modRevision);
  if (input.type === 'put') note(input.key, input.value, output.revision);
  if (input.type !== 'txn') return;
  const branch = output.succeeded === true ? input.success : input.failure;
  branch.forEach((op, i) => {
    if (op.type === 'put') note(op.key, op.value, output.revision);
    if (op.type === 'get') note(op.key, results?.[i]?.value, results?.[i]?.modRevision);
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
