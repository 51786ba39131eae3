import { describe, expect, it } from 'vitest';
import { TreeIndex } from './tree-index.ts';

const b = (s: string) => Buffer.from(s);
const r = (main: number, sub = 0) => ({ main, sub });

describe('TreeIndex', () => {
  function sample(): TreeIndex {
    const t = new TreeIndex();
    t.ensure(b('a')).put(r(2));
    t.ensure(b('b')).put(r(3));
    t.ensure(b('c')).put(r(4));
    t.ensure(b('b')).tombstone(r(5));
    t.ensure(b('a')).put(r(6));
    t.ensure(b('d')).put(r(6, 1));
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

  it('orders keys by their bytes, bytes above 0x7f included', () => {
    const t = new TreeIndex();
    const keys = [[0xff, 0x00], [0x00], [0x80], [0x7f, 0xff], [0xff], [0xc3, 0xa9]].map((k) => Buffer.from(k));
    keys.forEach((k, i) => t.ensure(k).put(r(i + 2)));
    const ordered = [...t.keyIndexes({ key: Buffer.from([0x00]), end: null })].map((ki) => ki.key.toString('hex'));
    expect(ordered).toEqual([...keys].sort(Buffer.compare).map((k) => k.toString('hex')));
    const upTo = [...t.keyIndexes({ key: Buffer.from([0x7f]), end: Buffer.from([0xff]) })].map((ki) => ki.key.toString('hex'));
    expect(upTo).toEqual(['7fff', '80', 'c3a9']);
    expect(t.keyIndex(Buffer.from([0xc3, 0xa9]))?.key).toEqual(Buffer.from([0xc3, 0xa9]));
  });
});
