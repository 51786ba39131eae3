import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Crc32c, decodeKeyValue, DeletedKeyValue, encodeKeyValue, encodeTombstone, tombstoneRecord } from './codec.ts';
import { prefixEnd, rangeContains, toKeyRange } from './key-range.ts';

describe('key-value records', () => {
  it('round-trip', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 40 }),
        fc.uint8Array({ maxLength: 100 }),
        fc.maxSafeNat(),
        fc.maxSafeNat(),
        fc.maxSafeNat(),
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        (key, value, createRevision, modRevision, version, lease) => {
          const kv = { key: Buffer.from(key), value: Buffer.from(value), createRevision, modRevision, version, lease };
          expect(decodeKeyValue(encodeKeyValue(kv))).toEqual(kv);
        },
      ),
    );
  });
});

describe('tombstone records', () => {
  it('made from a key name are the encoded tombstone', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), (bytes) => {
        const key = Buffer.from(bytes);
        const made = encodeTombstone(key.toString('latin1'));
        expect(made).toEqual(encodeKeyValue(tombstoneRecord(key)));
        expect(decodeKeyValue(made)).toEqual(tombstoneRecord(key));
      }),
    );
  });

  it("a delete event's key-value has the tombstone's fields, its key copied from the name", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 2 ** 40 }), (bytes, rev) => {
        const key = Buffer.from(bytes);
        const kv = new DeletedKeyValue(key.toString('latin1'), { main: rev, sub: 0 });
        const { key: k, value, createRevision, modRevision, version, lease } = kv;
        expect({ key: k, value, createRevision, modRevision, version, lease }).toEqual(tombstoneRecord(key, rev));
        expect(kv.key).not.toBe(kv.key); // a copy each time: nothing held per event
      }),
    );
  });
});

describe('crc32c', () => {
  it('matches the standard check value', () => {
    expect(new Crc32c().update(Buffer.from('123456789')).digest()).toBe(0xe3069283);
    expect(new Crc32c().update(Buffer.from('1234')).update(Buffer.from('56789')).digest()).toBe(0xe3069283);
  });
});

describe('key ranges', () => {
  const b = (s: string) => Buffer.from(s);
  it('follows etcd conventions', () => {
    expect(toKeyRange(b('a'), undefined)).toEqual({ key: b('a'), end: undefined });
    expect(toKeyRange(b('a'), Buffer.alloc(0)).end).toBeUndefined();
    expect(toKeyRange(b('a'), Buffer.from([0])).end).toBeNull();
    expect(rangeContains(toKeyRange(b('a'), undefined), b('a'))).toBe(true);
    expect(rangeContains(toKeyRange(b('a'), undefined), b('ab'))).toBe(false);
    expect(rangeContains(toKeyRange(b('a'), Buffer.from([0])), b('zzz'))).toBe(true);
    expect(rangeContains(toKeyRange(b('b'), b('c')), b('c'))).toBe(false);
    expect(prefixEnd(b('ab'))).toEqual(b('ac'));
    expect(prefixEnd(Buffer.from([0x61, 0xff]))).toEqual(b('b'));
    expect(prefixEnd(Buffer.from([0xff]))).toEqual(Buffer.from([0]));
  });
});
