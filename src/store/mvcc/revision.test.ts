import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compareRevision, decodeRevision, encodeRevision, REVISION_BYTES, TOMBSTONE_MARK } from './revision.ts';

const revArb = fc.record({ main: fc.maxSafeNat(), sub: fc.maxSafeNat() });

describe('revision encoding', () => {
  it('lays out main, separator, sub big-endian', () => {
    const buf = encodeRevision({ main: 0x0102, sub: 3 });
    expect(buf.length).toBe(REVISION_BYTES);
    expect(buf.toString('hex')).toBe('0000000000000102' + '5f' + '0000000000000003');
    const tomb = encodeRevision({ main: 1, sub: 0 }, true);
    expect(tomb.length).toBe(REVISION_BYTES + 1);
    expect(tomb[REVISION_BYTES]).toBe(TOMBSTONE_MARK);
  });

  it('round-trips', () => {
    fc.assert(
      fc.property(revArb, fc.boolean(), (rev, tomb) => {
        expect(decodeRevision(encodeRevision(rev, tomb))).toEqual({ rev, tombstone: tomb });
      }),
    );
  });

  it('sorts bytewise like the revision order', () => {
    fc.assert(
      fc.property(revArb, revArb, fc.boolean(), fc.boolean(), (a, b, ta, tb) => {
        const byBytes = Math.sign(Buffer.compare(encodeRevision(a, ta), encodeRevision(b, tb)));
        const byRev = compareRevision(a, b);
        if (byRev !== 0) expect(byBytes).toBe(byRev);
        else expect(byBytes).toBe(ta === tb ? 0 : ta ? 1 : -1);
      }),
    );
  });

  it('rejects malformed keys', () => {
    expect(() => decodeRevision(Buffer.alloc(5))).toThrow();
    expect(() => decodeRevision(Buffer.alloc(17))).toThrow(/separator/);
    expect(() => encodeRevision({ main: -1, sub: 0 })).toThrow();
  });
});
