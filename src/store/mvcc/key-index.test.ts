import { describe, expect, it } from 'vitest';
import { KeyIndex } from './key-index.ts';
import { isReleased } from './released.ts';
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

  it('answers for a key written and deleted once, then written again (one closed generation, then two)', () => {
    const ki = new KeyIndex('k');
    ki.put(r(4, 2));
    ki.tombstone(r(6, 7));
    expect(ki.live).toBe(false);
    expect(ki.isEmpty()).toBe(false);
    expect([3, 4, 5, 6, 9].map((at) => ki.get(at)?.modified.main)).toEqual([undefined, 4, 4, undefined, undefined]);
    expect([...ki.revisions()]).toEqual([
      { rev: r(4, 2), tombstone: false },
      { rev: r(6, 7), tombstone: true },
    ]);
    ki.put(r(8));
    ki.tombstone(r(10));
    ki.put(r(12));
    expect([5, 7, 9, 11, 12].map((at) => ki.get(at)?.modified.main)).toEqual([4, undefined, 8, undefined, 12]);
    expect([...ki.revisions()].map((x) => `${x.rev.main}${x.tombstone ? 't' : ''}`)).toEqual(['4', '6t', '8', '10t', '12']);
    const keep = new Set<string>();
    expect(ki.compact(7, keep)).toBe(false);
    expect([...ki.revisions()].map((x) => x.rev.main)).toEqual([8, 10, 12]);
    expect([9, 11, 13].map((at) => ki.get(at)?.modified.main)).toEqual([8, undefined, 12]);
    expect(ki.compact(11, keep)).toBe(false);
    expect([...ki.revisions()].map((x) => x.rev.main)).toEqual([12]);
    expect(ki.get(13)).toEqual({ modified: r(12), created: r(12), version: 1 });
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

describe('KeyIndex.release', () => {
  const kv = (modRevision: number, createRevision: number, version: number, lease: bigint) => ({ key: Buffer.from('k'), value: Buffer.from('v'), modRevision, createRevision, version, lease });

  it('gives back the latest key-value without its value, each time a snapshot that later writes leave alone', () => {
    const ki = new KeyIndex('k');
    ki.put(r(3));
    ki.put(r(5, 2));
    ki.current = kv(5, 3, 2, 0n);
    ki.release();
    const released = ki.current;
    expect(released && isReleased(released)).toBe(true);
    expect(released).toMatchObject({ modRevision: 5, createRevision: 3, version: 2, lease: 0n, at: r(5, 2) });
    expect(released?.key).toEqual(Buffer.from('k'));
    expect(ki.key).toEqual(Buffer.from('k'));
    ki.put(r(7));
    ki.current = kv(7, 3, 3, 0n);
    expect(released).toMatchObject({ modRevision: 5, version: 2, at: r(5, 2) });
    expect(ki.current).toMatchObject({ modRevision: 7, value: Buffer.from('v') });
  });

  it('keeps a leased key-value’s lease, and does nothing without a value or twice', () => {
    const ki = new KeyIndex('k');
    ki.release();
    expect(ki.current).toBeUndefined();
    ki.put(r(4));
    ki.current = kv(4, 4, 1, 77n);
    ki.release();
    ki.release();
    expect(ki.current).toMatchObject({ modRevision: 4, createRevision: 4, version: 1, lease: 77n, at: r(4) });
  });

  it('refuses a latest key-value out of step with the index', () => {
    const ki = new KeyIndex('k');
    ki.put(r(4));
    ki.current = kv(9, 4, 1, 0n);
    expect(() => ki.release()).toThrow(/out of step/);
  });
});
