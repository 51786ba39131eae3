// Model-based test: random sequences of writes (alone or batched), reads at any revision, compactions and
// restarts, checked against a plain in-memory model that keeps the whole state at every revision.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { MvccError } from './errors.ts';
import type { MvccStore } from './store.ts';
import { b, show, tempStore } from './test-helpers.ts';
import { CompareResult, CompareTarget, EventType, type Compare, type KeyValue, type RequestOp } from './types.ts';

const KEYS = ['a', 'b', 'c', 'd', 'e'];

interface ModelKv {
  key: string;
  value: string;
  create: number;
  mod: number;
  ver: number;
  lease: bigint;
}

class Model {
  rev = 1;
  compacted = -1;
  states = new Map<number, Map<string, ModelKv>>([[1, new Map()]]);
  events: Array<{ type: EventType; key: string; rev: number; value?: string; prev?: string }> = [];

  latest(): Map<string, ModelKv> {
    return this.states.get(this.rev)!;
  }

  at(rev: number): Map<string, ModelKv> {
    if (rev <= 0) rev = this.rev;
    if (rev > this.rev) throw new Error('FutureRev');
    if (rev < this.compacted) throw new Error('Compacted');
    return this.states.get(rev)!;
  }

  range(key: string, end: string | undefined, rev: number): ModelKv[] {
    const st = this.at(rev);
    return [...st.values()].filter((kv) => inRange(kv.key, key, end)).sort((x, y) => (x.key < y.key ? -1 : 1));
  }

  /** Applies one write request's ops to a copy of the latest state; commits a revision if anything changed. */
  write(ops: Array<{ put?: [string, string]; del?: [string, string | undefined] }>): number {
    const next = new Map(this.latest());
    const rev = this.rev + 1;
    let changed = false;
    for (const op of ops) {
      if (op.put) {
        const [k, v] = op.put;
        const prev = next.get(k);
        next.set(k, { key: k, value: v, create: prev ? prev.create : rev, mod: rev, ver: prev ? prev.ver + 1 : 1, lease: 0n });
        this.events.push({ type: EventType.Put, key: k, rev, value: v, prev: prev?.value });
        changed = true;
      } else if (op.del) {
        for (const kv of [...next.values()].filter((x) => inRange(x.key, op.del![0], op.del![1])).sort((x, y) => (x.key < y.key ? -1 : 1))) {
          next.delete(kv.key);
          this.events.push({ type: EventType.Delete, key: kv.key, rev, prev: kv.value });
          changed = true;
        }
      }
    }
    if (changed) {
      this.rev = rev;
      this.states.set(rev, next);
    }
    return this.rev;
  }

  compareHolds(c: ModelCompare): boolean {
    const kv = this.latest().get(c.key);
    if (kv === undefined && c.target === 'value') return false;
    const actual = c.target === 'version' ? (kv?.ver ?? 0) : c.target === 'mod' ? (kv?.mod ?? 0) : kv!.value;
    const operand = c.target === 'value' ? String(c.operand) : typeof c.operand === 'number' ? c.operand : 0;
    const order = actual < operand ? -1 : actual > operand ? 1 : 0;
    return [order === 0, order > 0, order < 0, order !== 0][c.result];
  }
}

interface ModelCompare {
  key: string;
  target: 'version' | 'mod' | 'value';
  result: CompareResult;
  operand: number | string;
}

function inRange(k: string, key: string, end: string | undefined): boolean {
  return end === undefined ? k === key : k >= key && (end === '\0' || k < end);
}

const keyArb = fc.constantFrom(...KEYS);
const endArb = fc.option(fc.constantFrom('b', 'c', 'e', 'z', '\0'), { nil: undefined });
const valueArb = fc.string({ maxLength: 3 });
const writeOpArb = fc.oneof(
  fc.record({ put: fc.tuple(keyArb, valueArb) }),
  fc.record({ del: fc.tuple(keyArb, endArb) }),
);
const compareArb: fc.Arbitrary<ModelCompare> = fc.record({
  key: keyArb,
  target: fc.constantFrom('version' as const, 'mod' as const, 'value' as const),
  result: fc.constantFrom(CompareResult.Equal, CompareResult.Greater, CompareResult.Less, CompareResult.NotEqual),
  operand: fc.oneof(fc.nat({ max: 6 }), valueArb),
});

type Cmd =
  | { kind: 'write'; ops: Array<{ put?: [string, string]; del?: [string, string | undefined] }> }
  | { kind: 'batch'; writes: Array<{ put?: [string, string]; del?: [string, string | undefined] }> }
  | { kind: 'txn'; compare: ModelCompare[]; success: string[]; failure: string[]; value: string }
  | { kind: 'range'; key: string; end: string | undefined; back: number; limit: number }
  | { kind: 'compact'; back: number }
  | { kind: 'restart' };

const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('write' as const), ops: fc.array(writeOpArb, { minLength: 1, maxLength: 1 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('batch' as const), writes: fc.array(writeOpArb, { minLength: 1, maxLength: 6 }) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('txn' as const),
      compare: fc.array(compareArb, { maxLength: 2 }),
      success: fc.shuffledSubarray(KEYS.map((k) => k)),
      failure: fc.shuffledSubarray(KEYS.map((k) => k), { maxLength: 2 }),
      value: valueArb,
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('range' as const), key: keyArb, end: endArb, back: fc.nat({ max: 8 }), limit: fc.nat({ max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('compact' as const), back: fc.nat({ max: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const) }) },
);

/** Txn ops over distinct keys (so no duplicate-key error): put for even positions, delete for odd, plus a range. */
function txnOps(keys: string[], value: string): { ops: RequestOp[]; model: Array<{ put?: [string, string]; del?: [string, undefined] }> } {
  const ops: RequestOp[] = [];
  const model: Array<{ put?: [string, string]; del?: [string, undefined] }> = [];
  keys.forEach((k, i) => {
    if (i % 2 === 0) {
      ops.push({ requestPut: { key: b(k), value: b(value) } });
      model.push({ put: [k, value] });
    } else {
      ops.push({ requestDeleteRange: { key: b(k) } });
      model.push({ del: [k, undefined] });
    }
  });
  ops.push({ requestRange: { key: b('a'), rangeEnd: Buffer.from([0]) } });
  return { ops, model };
}

function toCompare(c: ModelCompare): Compare {
  const target = { version: CompareTarget.Version, mod: CompareTarget.Mod, value: CompareTarget.Value }[c.target];
  const base = { key: b(c.key), target, result: c.result };
  if (c.target === 'value') return { ...base, value: b(String(c.operand)) };
  const n = typeof c.operand === 'number' ? c.operand : 0;
  return c.target === 'version' ? { ...base, version: n } : { ...base, modRevision: n };
}

const plain = (kv: KeyValue) => ({ ...show(kv)! });
const modelPlain = (kv: ModelKv) => ({ key: kv.key, value: kv.value, create: kv.create, mod: kv.mod, ver: kv.ver, lease: kv.lease });

function outcome<T>(fn: () => T): { ok: T } | { err: string } {
  try {
    return { ok: fn() };
  } catch (err) {
    return { err: (err as MvccError).code ?? (err as Error).message };
  }
}

async function checkAllRevisions(store: MvccStore, model: Model): Promise<void> {
  for (let rev = Math.max(1, model.compacted); rev <= model.rev; rev++) {
    const got = store.range({ key: Buffer.from([0]), rangeEnd: Buffer.from([0]), revision: rev }).kvs.map(plain);
    expect(got, `state at ${rev}`).toEqual(model.range('\0', '\0', rev).map(modelPlain));
  }
  const from = Math.max(1, model.compacted + 1);
  const { events } = await store.eventsSince(from, { key: Buffer.from([0]), rangeEnd: Buffer.from([0]) });
  const expected = model.events.filter((e) => e.rev >= from);
  expect(events.map((e) => ({ type: e.type, key: e.kv.key.toString(), rev: e.kv.modRevision, value: e.type === EventType.Put ? e.kv.value.toString() : undefined, prev: e.prevKv?.value.toString() }))).toEqual(
    expected.map((e) => ({ type: e.type, key: e.key, rev: e.rev, value: e.value, prev: e.prev })),
  );
}

describe('MvccStore against a model', () => {
  it('agrees on random histories, with every latest value in memory or only the last few bytes of them', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cmdArb, { minLength: 1, maxLength: 60 }), fc.constantFrom(undefined, 0, 4), async (cmds, residentValueBytes) => {
        const t = await tempStore({ residentValueBytes });
        const model = new Model();
        try {
          for (const cmd of cmds) {
            const s = t.store;
            switch (cmd.kind) {
              case 'write': {
                const op = cmd.ops[0];
                const r = await s.writeBatch((x) =>
                  op.put ? x.put({ key: b(op.put[0]), value: b(op.put[1]) }).header : x.deleteRange({ key: b(op.del![0]), rangeEnd: op.del![1] === undefined ? undefined : b(op.del![1]) }).header,
                );
                expect(r.revision).toBe(model.write([op]));
                break;
              }
              case 'batch': {
                s.beginBatch();
                for (const op of cmd.writes) {
                  if (op.put) s.put({ key: b(op.put[0]), value: b(op.put[1]) });
                  else s.deleteRange({ key: b(op.del![0]), rangeEnd: op.del![1] === undefined ? undefined : b(op.del![1]) });
                  model.write([op]);
                }
                const committed = await s.commitBatch({ appliedIndex: model.rev });
                expect(committed.revision).toBe(model.rev);
                break;
              }
              case 'txn': {
                const succeeded = cmd.compare.every((c) => model.compareHolds(c));
                const then = txnOps(cmd.success, cmd.value);
                const otherwise = txnOps(cmd.failure, cmd.value + '!');
                const r = await s.writeBatch((x) => x.txn({ compare: cmd.compare.map(toCompare), success: then.ops, failure: otherwise.ops }));
                expect(r.succeeded).toBe(succeeded);
                expect(r.header.revision).toBe(model.write(succeeded ? then.model : otherwise.model));
                const last = r.responses[r.responses.length - 1] as { responseRange: { kvs: KeyValue[] } };
                expect(last.responseRange.kvs.map(plain)).toEqual(model.range('\0', '\0', model.rev).map(modelPlain));
                break;
              }
              case 'range': {
                const rev = cmd.back === 0 ? 0 : model.rev + 1 - cmd.back;
                const got = outcome(() => s.range({ key: b(cmd.key), rangeEnd: cmd.end === undefined ? undefined : b(cmd.end), revision: rev, limit: cmd.limit }));
                const want = outcome(() => model.range(cmd.key, cmd.end, rev));
                if ('err' in want) expect(got).toEqual(want);
                else {
                  expect('err' in got ? got.err : 'ok').toBe('ok');
                  const resp = (got as { ok: ReturnType<MvccStore['range']> }).ok;
                  const limited = cmd.limit > 0 ? want.ok.slice(0, cmd.limit) : want.ok;
                  expect(resp.kvs.map(plain)).toEqual(limited.map(modelPlain));
                  expect(resp.count).toBe(want.ok.length);
                  expect(resp.more).toBe(limited.length < want.ok.length);
                  expect(resp.header.revision).toBe(model.rev);
                }
                break;
              }
              case 'compact': {
                const rev = model.rev + 1 - cmd.back;
                const want = rev > model.rev ? 'FutureRev' : rev <= model.compacted ? 'Compacted' : undefined;
                const got = await s.writeBatch((x) => x.compact({ revision: rev })).then(
                  async (c) => {
                    if (cmd.back % 2 === 0) await c.done; // otherwise let it run in the background
                    return undefined;
                  },
                  (err: MvccError) => err.code as string,
                );
                expect(got).toBe(want);
                if (want === undefined) model.compacted = rev;
                break;
              }
              case 'restart':
                await t.reopen();
                expect(t.store.revision).toBe(model.rev);
                expect(t.store.compactRevision).toBe(model.compacted);
                break;
            }
          }
          await checkAllRevisions(t.store, model);
          await t.reopen();
          await checkAllRevisions(t.store, model);
        } finally {
          await t.cleanup();
        }
      }),
      { numRuns: Number(process.env.MVCC_PROPERTY_RUNS ?? 100) },
    );
  });
});
