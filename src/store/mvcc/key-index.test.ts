import { describe, expect, it } from 'vitest';
import { KeyIndex } from './key-index.ts';
import { revisionId } from './revision.ts';

const r = (main: number, sub = 0) => ({ main, sub });

function history(): KeyIndex {
  // gen 0: put 2, put 4, tomb 6; gen 1: put 8, put 10, tomb 12; gen 2: put 14.1, put 16
  const ki = new KeyIndex('k');
  ki.put(r(2));
  ki.put(r(4));
  ki.tombstone(r(6));
  ki.put(r(8));
  ki.put(r(10));
  ki.tombstone(r(12));
  ki.put(r(14, 1));
  ki.put(r(16));
  return ki;
}

describe('KeyIndex', () => {
  it('answers gets across generations', () => {
    const ki = history();
    expect(ki.get(1)).toBeUndefined();
    expect(ki.get(2)).toEqual({ modified: r(2), created: r(2), version: 1 });
    expect(ki.get(5)).toEqual({ modified: r(4), created: r(2), version: 2 });
    expect(ki.get(6)).toBeUndefined();
    expect(ki.get(7)).toBeUndefined();
    expect(ki.get(9)).toEqual({ modified: r(8), created: r(8), version: 1 });
    expect(ki.get(11)).toEqual({ modified: r(10), created: r(8), version: 2 });
    expect(ki.get(12)).toBeUndefined();
    expect(ki.get(14)).toEqual({ modified: r(14, 1), created: r(14, 1), version: 1 });
    expect(ki.get(100)).toEqual({ modified: r(16), created: r(14, 1), version: 2 });
    expect(ki.live).toBe(true);
  });

  it('refuses out-of-order puts and tombstones of missing keys', () => {
    const ki = new KeyIndex('k');
    expect(() => ki.tombstone(r(1))).toThrow();
    ki.put(r(3));
    expect(() => ki.put(r(3))).toThrow();
    expect(() => ki.put(r(2, 5))).toThrow();
  });

  it('compacts: keeps the latest put at or below the revision of the generation alive then', () => {
    const cases: Array<[number, string[], Array<[number, number | undefined]>]> = [
      // atRev, kept ids, [get(rev), expected modified main] checks after compaction
      [1, [], [[2, 2], [5, 4]]],
      [3, ['2_0'], [[3, 2], [5, 4]]],
      [5, ['4_0'], [[5, 4], [6, undefined], [9, 8]]],
      [6, [], [[6, undefined], [9, 8]]],
      [7, [], [[7, undefined], [9, 8], [11, 10]]],
      [11, ['10_0'], [[11, 10], [12, undefined], [15, 14]]],
      [12, [], [[12, undefined], [15, 14]]],
      [20, ['16_0'], [[20, 16]]],
    ];
    for (const [atRev, kept, checks] of cases) {
      const ki = history();
      const keep = new Set<string>();
      expect(ki.compact(atRev, keep)).toBe(false);
      expect([...keep]).toEqual(kept);
      for (const [at, main] of checks) expect(ki.get(at)?.modified.main, `compact ${atRev} get ${at}`).toBe(main);
      // Versions survive compaction.
      expect(ki.get(100)?.version).toBe(2);
    }
  });

  it('compacts a deleted key away entirely', () => {
    const ki = new KeyIndex('k');
    ki.put(r(2));
    ki.tombstone(r(3));
    const keep = new Set<string>();
    expect(ki.compact(2, keep)).toBe(false);
    expect([...keep]).toEqual([revisionId(r(2))]);
    expect(ki.compact(3, keep)).toBe(true);
  });

  it('restores from a partial history', () => {
    const ki = new KeyIndex('k');
    ki.restore(r(3), r(7), 4);
    ki.put(r(9));
    expect(ki.get(8)).toEqual({ modified: r(7), created: r(3), version: 4 });
    expect(ki.get(9)).toEqual({ modified: r(9), created: r(3), version: 5 });
    expect(ki.get(6)).toBeUndefined();
    expect([...ki.revisions()].map((x) => x.rev.main)).toEqual([7, 9]);
  });
});
