import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadEtcdProtos } from '../proto/index.ts';
import type { PutRequest } from '../mvcc/index.ts';
import { decodePutRequest } from './put-request-wire.ts';
import { putFromWire } from './wire-convert.ts';

const codec = loadEtcdProtos().codecs.type('etcdserverpb.PutRequest');
const general = (body: Buffer): PutRequest => putFromWire(codec.decode(body));
const never = (): PutRequest => {
  throw new Error('the general codec was used');
};
const plain = (p: PutRequest) => ({ ...p, key: Buffer.from(p.key).toString('hex'), value: Buffer.from(p.value ?? Buffer.alloc(0)).toString('hex') });

describe('PutRequest hand decoder', () => {
  it('reads every PutRequest as the general codec does, without it', () => {
    const put = fc.record(
      {
        key: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
        value: fc.uint8Array({ maxLength: 2_000 }).map((b) => Buffer.from(b)),
        lease: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
        prev_kv: fc.boolean(),
        ignore_value: fc.boolean(),
        ignore_lease: fc.boolean(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(put, (w) => {
        const body = codec.encode(w);
        expect(plain(decodePutRequest(body, never))).toEqual(plain(general(body)));
      }),
      { numRuns: 500 },
    );
  });

  it('skips unknown fields and hands what it does not expect to the general codec', () => {
    const body = codec.encode({ key: Buffer.from('k'), value: Buffer.from('v'), lease: 5n });
    const withUnknown = Buffer.concat([body, Buffer.from([0x50, 0x07])]); // field 10, varint
    expect(plain(decodePutRequest(withUnknown, never))).toEqual(plain(general(withUnknown)));
    const fallbacks: Buffer[] = [];
    const counting = (b: Buffer): PutRequest => (fallbacks.push(b), general(b));
    // The key as a varint: a wire type the field does not have.
    const odd = Buffer.from([0x08, 0x01, 0x12, 0x01, 0x76]);
    const outcome = (f: () => PutRequest): unknown => {
      try {
        return plain(f());
      } catch (e) {
        return String(e);
      }
    };
    expect(outcome(() => decodePutRequest(odd, counting))).toEqual(outcome(() => general(odd)));
    expect(fallbacks).toEqual([odd]);
    // A bool wider than 32 bits: the general codec reads only its low half (here 0: false).
    const wideBool = Buffer.from([0x0a, 0x01, 0x6b, 0x20, 0x80, 0x80, 0x80, 0x80, 0x10]);
    expect(plain(decodePutRequest(wideBool, counting))).toEqual(plain(general(wideBool)));
    expect(fallbacks).toEqual([odd, wideBool]);
    // Truncated bytes: the general codec's error, not ours.
    expect(() => decodePutRequest(Buffer.from([0x0a, 0x05, 0x6b]), general)).toThrow();
  });
});
