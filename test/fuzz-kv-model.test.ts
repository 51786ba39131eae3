// Model-based property test: random sequences of etcd requests (puts with prev_kv and leases, ranges with
// prefixes, limits, revisions, sorting, count_only and keys_only, delete ranges, txns with compares, compaction,
// lease grant and revoke) against an in-process member over gRPC and against the plain model in
// test/fuzz/kv-model.ts; every response (or error code and text) must match. Seeded and shrinking:
// FUZZ_SEED=<n> replays a run. Each run writes under its own prefix, so runs share one member.
import * as grpc from '@grpc/grpc-js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestMember, type TestMember } from '../src/store/server/test-server.ts';
import {
  KvModel,
  ModelError,
  type CompareArgs,
  type CompareResultName,
  type CompareTargetName,
  type ModelKv,
  type RangeArgs,
  type SortOrderName,
  type SortTargetName,
} from './fuzz/kv-model.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20261123);
const RUNS = Number(process.env.FUZZ_RUNS ?? 40);

const KEYS = ['a', 'a/1', 'a/2', 'b', 'c'];
const SORT_ORDERS: SortOrderName[] = ['NONE', 'ASCEND', 'DESCEND'];
const SORT_TARGETS: SortTargetName[] = ['KEY', 'VERSION', 'CREATE', 'MOD', 'VALUE'];
const COMPARE_TARGETS: CompareTargetName[] = ['VERSION', 'CREATE', 'MOD', 'VALUE'];
const COMPARE_RESULTS: CompareResultName[] = ['EQUAL', 'GREATER', 'LESS', 'NOT_EQUAL'];
const BOGUS_LEASE = 0x7eadbeefn;

type RangeKind = 'one' | 'prefix' | 'toEnd';
/** A revision relative to the run's start; -1 = latest (0 on the wire). */
type RelRev = number;

type Op =
  | { op: 'put'; key: string; value: string; prevKv: boolean; lease: number }
  | { op: 'range'; key: string; kind: RangeKind; rev: RelRev; limit: number; sortOrder: number; sortTarget: number; countOnly: boolean; keysOnly: boolean }
  | { op: 'delete'; key: string; kind: RangeKind; prevKv: boolean }
  | { op: 'txn'; compareKey: string; target: number; result: number; operand: number; putKey: string; value: string; readKey: string }
  | { op: 'compact'; rev: RelRev }
  | { op: 'grant' }
  | { op: 'revoke'; lease: number };

const key = fc.constantFrom(...KEYS);
const value = fc.constantFrom('x', 'y', 'zz', '');
const kind = fc.constantFrom<RangeKind>('one', 'prefix', 'toEnd');
const relRev = fc.integer({ min: -1, max: 14 });
const leaseChoice = fc.integer({ min: -1, max: 3 }); // -1: none, 3: a lease that does not exist, else the nth granted

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('put' as const), key, value, prevKv: fc.boolean(), lease: leaseChoice }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('range' as const),
      key,
      kind,
      rev: relRev,
      limit: fc.integer({ min: 0, max: 3 }),
      sortOrder: fc.nat(2),
      sortTarget: fc.nat(4),
      countOnly: fc.boolean(),
      keysOnly: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), key, kind, prevKv: fc.boolean() }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('txn' as const), compareKey: key, target: fc.nat(3), result: fc.nat(3), operand: fc.integer({ min: 0, max: 6 }), putKey: key, value, readKey: key }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('compact' as const), rev: fc.integer({ min: 0, max: 14 }) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'grant' as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('revoke' as const), lease: fc.integer({ min: 0, max: 3 }) }) },
);

interface Wkv {
  key: Buffer;
  value: Buffer;
  create_revision: bigint;
  mod_revision: bigint;
  version: bigint;
  lease: bigint;
}

describe(`fuzz: etcd request sequences against a model (seed ${SEED})`, () => {
  let m: TestMember;
  let run = 0;
  let compacted = -1; // as etcd: compacting at 0 succeeds once on a fresh store
  beforeAll(async () => {
    m = await startTestMember();
  });
  afterAll(async () => m.close());

  it('answers every request as the model does', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 25 }), async (ops) => {
        const prefix = `run${run++}/`;
        const status = await m.call<{ header: { revision: bigint } }>('KV', 'Range', { key: Buffer.from('none'), serializable: true });
        const start = Number(status.header.revision);
        const model = new KvModel(start, compacted);
        const granted: bigint[] = [];
        const k = (s: string) => Buffer.from(prefix + s);
        const strip = (kv: Wkv): ModelKv => ({
          key: kv.key.toString().slice(prefix.length),
          value: kv.value.toString(),
          createRevision: Number(kv.create_revision),
          modRevision: Number(kv.mod_revision),
          version: Number(kv.version),
          lease: BigInt(kv.lease),
        });
        const rangeEnd = (s: string, rk: RangeKind): string | undefined =>
          rk === 'one' ? undefined : rk === 'toEnd' ? '~' : s.slice(0, -1) + String.fromCharCode(s.charCodeAt(s.length - 1) + 1);
        const absRev = (r: RelRev) => (r < 0 ? 0 : start + r);
        const leaseOf = (c: number) => (c < 0 ? 0n : c === 3 ? BOGUS_LEASE : (granted[c] ?? 0n));
        const both = async <T>(label: string, server: () => Promise<unknown>, modelFn: () => T, view: (resp: never) => unknown, expectView: (r: T) => unknown) => {
          let want: unknown;
          try {
            want = { ok: expectView(modelFn()), revision: model.rev };
          } catch (err) {
            if (!(err instanceof ModelError)) throw err;
            want = { error: `${err.code} ${err.message}` };
          }
          let got: unknown;
          try {
            const resp = (await server()) as { header: { revision: bigint } };
            got = { ok: view(resp as never), revision: Number(resp.header.revision) };
          } catch (err) {
            const e = err as grpc.ServiceError;
            got = { error: `${grpc.status[e.code]} ${e.details}` };
          }
          expect(got, `${label} (run prefix ${prefix}, start revision ${start})`).toEqual(want);
        };

        for (const op of ops) {
          switch (op.op) {
            case 'put': {
              const lease = leaseOf(op.lease);
              await both(
                JSON.stringify(op),
                () => m.call('KV', 'Put', { key: k(op.key), value: Buffer.from(op.value), prev_kv: op.prevKv, lease }),
                () => model.put(op.key, op.value, lease),
                (r: { prev_kv: Wkv | null }) => (op.prevKv && r.prev_kv ? strip(r.prev_kv) : undefined),
                (r) => (op.prevKv ? r.prevKv : undefined),
              );
              break;
            }
            case 'range': {
              const end = rangeEnd(op.key, op.kind);
              const args: RangeArgs = {
                key: op.key,
                end,
                revision: absRev(op.rev),
                limit: op.limit,
                sortOrder: SORT_ORDERS[op.sortOrder],
                sortTarget: SORT_TARGETS[op.sortTarget],
                countOnly: op.countOnly,
                keysOnly: op.keysOnly,
              };
              await both(
                JSON.stringify(op),
                () =>
                  m.call('KV', 'Range', {
                    key: k(op.key),
                    range_end: end === undefined ? undefined : k(end),
                    revision: BigInt(args.revision),
                    limit: BigInt(op.limit),
                    sort_order: op.sortOrder,
                    sort_target: op.sortTarget,
                    count_only: op.countOnly,
                    keys_only: op.keysOnly,
                  }),
                () => model.range(args),
                (r: { kvs: Wkv[]; count: bigint; more: boolean }) => ({ kvs: r.kvs.map(strip), count: Number(r.count), more: r.more }),
                (r) => r,
              );
              break;
            }
            case 'delete': {
              const end = rangeEnd(op.key, op.kind);
              await both(
                JSON.stringify(op),
                () => m.call('KV', 'DeleteRange', { key: k(op.key), range_end: end === undefined ? undefined : k(end), prev_kv: op.prevKv }),
                () => model.deleteRange(op.key, end),
                (r: { deleted: bigint; prev_kvs: Wkv[] }) => ({ deleted: Number(r.deleted), prevKvs: r.prev_kvs.map(strip) }),
                (r) => ({ deleted: r.deleted, prevKvs: op.prevKv ? r.prevKvs : [] }),
              );
              break;
            }
            case 'txn': {
              const target = COMPARE_TARGETS[op.target];
              const compare: CompareArgs = { key: op.compareKey, target, result: COMPARE_RESULTS[op.result], operand: target === 'VALUE' ? ['x', 'y', 'zz', ''][op.operand % 4] : start + op.operand - (target === 'VERSION' ? start : 0) };
              const read: RangeArgs = { key: op.readKey, revision: 0, limit: 0, sortOrder: 'NONE', sortTarget: 'KEY', countOnly: false, keysOnly: false };
              const wireTarget = { VERSION: 0, CREATE: 1, MOD: 2, VALUE: 3 }[target];
              const operandField = { VERSION: 'version', CREATE: 'create_revision', MOD: 'mod_revision', VALUE: 'value' }[target];
              const operand = target === 'VALUE' ? Buffer.from(compare.operand as string) : BigInt(compare.operand);
              await both(
                JSON.stringify(op),
                () =>
                  m.call('KV', 'Txn', {
                    compare: [{ key: k(op.compareKey), target: wireTarget, result: { EQUAL: 0, GREATER: 1, LESS: 2, NOT_EQUAL: 3 }[compare.result], [operandField]: operand }],
                    success: [{ request_put: { key: k(op.putKey), value: Buffer.from(op.value), prev_kv: true } }, { request_range: { key: k(op.readKey) } }],
                    failure: [{ request_range: { key: k(op.readKey) } }],
                  }),
                () => model.txn([compare], { key: op.putKey, value: op.value }, read),
                (r: { succeeded: boolean; responses: Array<{ response_put?: { prev_kv: Wkv | null }; response_range?: { kvs: Wkv[]; count: bigint } }> }) => ({
                  succeeded: r.succeeded,
                  prevKv: r.succeeded && r.responses[0].response_put?.prev_kv ? strip(r.responses[0].response_put.prev_kv) : undefined,
                  read: r.responses[r.succeeded ? 1 : 0].response_range!.kvs.map(strip),
                }),
                (r) => ({ succeeded: r.succeeded, prevKv: r.prevKv, read: r.range.kvs }),
              );
              break;
            }
            case 'compact': {
              const rev = absRev(op.rev);
              await both(
                JSON.stringify(op),
                () => m.call('KV', 'Compact', { revision: BigInt(rev) }),
                () => model.compact(rev),
                () => null,
                () => null,
              );
              compacted = model.compacted;
              break;
            }
            case 'grant': {
              const r = await m.call<{ ID: bigint; header: { revision: bigint } }>('Lease', 'LeaseGrant', { TTL: 1000n });
              expect(Number(r.header.revision)).toBe(model.rev);
              granted.push(r.ID);
              model.grant(r.ID);
              break;
            }
            case 'revoke': {
              const id = op.lease < granted.length ? granted[op.lease] : BOGUS_LEASE + 1n;
              await both(
                JSON.stringify(op),
                () => m.call('Lease', 'LeaseRevoke', { ID: id }),
                () => model.revoke(id),
                () => null,
                () => null,
              );
              break;
            }
          }
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
