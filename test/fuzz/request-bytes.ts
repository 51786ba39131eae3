// fast-check arbitraries of request bytes for any etcd request type: valid encodings built from the schema by
// reflection, those encodings mutated (bit flips, truncations, duplicated fields, wrong wire types, huge length
// prefixes, deeply nested unknown groups, spliced garbage), random bytes, and the empty message.
import fc from 'fast-check';
import type protobuf from 'protobufjs';
import { loadEtcdProtos } from '../../src/store/proto/index.ts';

/** Few distinct keys, so fuzzed writes and reads meet each other. */
const KEY = fc.constantFrom('', 'a', 'b', 'foo', 'foo/bar', '\u0000').map((s) => Buffer.from(s));

function scalarArb(type: string): fc.Arbitrary<unknown> {
  switch (type) {
    case 'bool':
      return fc.boolean();
    case 'string':
      return fc.constantFrom('', 'root', 'a', 'x'.repeat(300));
    case 'bytes':
      return fc.oneof(KEY, fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)));
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return fc.oneof(fc.constantFrom(0n, 1n, -1n, 2n, 5n, 100n, 2n ** 63n - 1n, -(2n ** 63n)), fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n));
    case 'uint64':
    case 'fixed64':
      return fc.oneof(fc.constantFrom(0n, 1n, 2n, 2n ** 64n - 1n), fc.bigInt(0n, 2n ** 64n - 1n));
    case 'uint32':
    case 'fixed32':
      return fc.oneof(fc.constantFrom(0, 1, 2), fc.nat());
    default:
      return fc.oneof(fc.constantFrom(0, 1, 2, 3, -1), fc.integer());
  }
}

/** A random valid message of `type` as an encodable object; sub-messages nest up to `depth`. */
function messageArb(type: protobuf.Type, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const entries: Record<string, fc.Arbitrary<unknown>> = {};
  for (const field of type.fieldsArray) {
    field.resolve();
    const sub = field.resolvedType;
    let one: fc.Arbitrary<unknown>;
    if (sub !== null && 'fields' in sub) {
      if (depth <= 0) continue;
      one = fc.constant(null).chain(() => messageArb(sub, depth - 1));
    } else if (sub !== null) {
      one = fc.constantFrom(...Object.values(sub.values), 99);
    } else {
      one = scalarArb(field.type);
    }
    entries[field.name] = field.repeated ? fc.array(one, { maxLength: 3 }) : one;
  }
  return fc.record(entries, { requiredKeys: [] });
}

export function validEncodingArb(typeName: string): fc.Arbitrary<Buffer> {
  const codec = loadEtcdProtos().codecs.type(typeName);
  return messageArb(codec.type, 2).map((m) => codec.encode(m as never));
}

function varint(n: bigint): Buffer {
  const out: number[] = [];
  let v = BigInt.asUintN(64, n);
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Buffer.from(out);
}

const tag = (field: number, wireType: number) => varint(BigInt((field << 3) | wireType));

type Mutation = (b: Buffer) => fc.Arbitrary<Buffer>;

const MUTATIONS: Record<string, Mutation> = {
  bitFlip: (b) =>
    b.length === 0
      ? fc.constant(b)
      : fc.tuple(fc.nat(b.length - 1), fc.nat(7)).map(([i, bit]) => {
          const c = Buffer.from(b);
          c[i] ^= 1 << bit;
          return c;
        }),
  truncate: (b) => fc.nat(b.length).map((n) => b.subarray(0, n)),
  duplicateFields: (b) => fc.constant(Buffer.concat([b, b])),
  wrongWireType: (b) =>
    fc.tuple(fc.integer({ min: 1, max: 20 }), fc.constantFrom(0, 1, 2, 5)).map(([field, wt]) => {
      const value = wt === 0 ? Buffer.from([1]) : wt === 1 ? Buffer.alloc(8) : wt === 5 ? Buffer.alloc(4) : Buffer.from([1, 0x61]);
      return Buffer.concat([b, tag(field, wt), value]);
    }),
  hugeLength: (b) =>
    fc.tuple(fc.integer({ min: 1, max: 2000 }), fc.constantFrom(2n ** 31n, 2n ** 32n - 1n, 2n ** 63n, 2n ** 64n - 1n, 1_000_000n)).map(([field, len]) =>
      Buffer.concat([b, tag(field, 2), varint(len), Buffer.from('abc')]),
    ),
  nestedUnknownGroups: (b) =>
    fc.tuple(fc.integer({ min: 1, max: 5000 }), fc.boolean()).map(([depth, balanced]) => {
      const open = tag(1000, 3);
      const close = tag(1000, 4);
      return Buffer.concat([b, ...Array.from({ length: depth }, () => open), ...Array.from({ length: balanced ? depth : depth - 1 }, () => close)]);
    }),
  splice: (b) =>
    fc.tuple(fc.nat(b.length), fc.uint8Array({ minLength: 1, maxLength: 16 })).map(([i, junk]) => Buffer.concat([b.subarray(0, i), Buffer.from(junk), b.subarray(i)])),
  endGroupOrTagZero: (b) => fc.constantFrom(Buffer.from([0x0c]), Buffer.from([0x00, 0x01]), Buffer.from([0x07])).map((bad) => Buffer.concat([b, bad])),
};

export const MUTATION_NAMES = Object.keys(MUTATIONS);

/** Any request bytes for `typeName`: valid, mutated, random or empty. */
export function requestBytesArb(typeName: string): fc.Arbitrary<Buffer> {
  const valid = validEncodingArb(typeName);
  const mutated = fc.tuple(valid, fc.constantFrom(...MUTATION_NAMES)).chain(([b, m]) => MUTATIONS[m](b));
  const random = fc.uint8Array({ maxLength: 96 }).map((a) => Buffer.from(a));
  return fc.oneof({ arbitrary: mutated, weight: 5 }, { arbitrary: valid, weight: 2 }, { arbitrary: random, weight: 2 }, { arbitrary: fc.constant(Buffer.alloc(0)), weight: 1 });
}
