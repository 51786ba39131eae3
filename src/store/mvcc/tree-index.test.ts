import { describe, expect, it } from 'vitest';
import { TreeIndex } from './tree-index.ts';

const b = (s: string) => Buffer.from(s);
const r = (main: number, sub = 0) => ({ main, sub });

describe('TreeIndex', () => {
  function sample(): TreeIndex {
    const t = new TreeIndex();
    t.put(b('a'), r(2));
    t.put(b('b'), r(3));
    t.put(b('c'), r(4));
    t.tombstone(b('b'), r(5));
    t.put(b('a'), r(6));
    t.put(b('d'), r(6, 1));
    return t;
  }

  const keys = (t: TreeIndex, key: string, end: string | null | undefined, at: number) =>
    [...t.range({ key: b(key), end: typeof end === 'string' ? b(end) : end }, at)].map(
      (x) => `${x.ki.key.toString()}@${x.hit.modified.main}`,
    );

  it('ranges at revisions', () => {
    const t = sample();
    expect(keys(t, 'a', null, 100)).toEqual(['a@6', 'c@4', 'd@6']);
    expect(keys(t, 'a', null, 4)).toEqual(['a@2', 'b@3', 'c@4']);
    expect(keys(t, 'a', 'c', 100)).toEqual(['a@6']);
    expect(keys(t, 'b', undefined, 3)).toEqual(['b@3']);
    expect(keys(t, 'b', undefined, 5)).toEqual([]);
    expect(keys(t, 'c', 'a', 100)).toEqual([]);
  });

  it('compacts and drops keys with nothing left', () => {
    const t = sample();
    const keep = t.compact(5);
    expect([...keep].sort()).toEqual(['2_0', '4_0']);
    expect(t.size).toBe(3);
    expect(keys(t, 'a', null, 5)).toEqual(['a@2', 'c@4']);
    expect(keys(t, 'a', null, 6)).toEqual(['a@6', 'c@4', 'd@6']);
  });

  it('restores records oldest first, skipping tombstones of compacted keys', () => {
    const t = new TreeIndex();
    t.restoreRecord(b('x'), r(3), true, r(0), 0);
    expect(t.size).toBe(0);
    t.restoreRecord(b('y'), r(4), false, r(2), 3);
    t.restoreRecord(b('y'), r(5), true, r(0), 0);
    t.restoreRecord(b('y'), r(7), false, r(7), 1);
    expect(t.get(b('y'), 4)).toEqual({ modified: r(4), created: r(2), version: 3 });
    expect(t.get(b('y'), 5)).toBeUndefined();
    expect(t.get(b('y'), 7)).toEqual({ modified: r(7), created: r(7), version: 1 });
  });
});
