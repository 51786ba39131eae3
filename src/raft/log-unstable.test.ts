import { describe, expect, it } from 'vitest';
import { UnstableLog } from './log-unstable.ts';
import { emptyConfState, EntryType, type Entry, type Snapshot } from './types.ts';

const e = (index: number, term: number): Entry => ({ index, term, type: EntryType.Normal, data: new Uint8Array() });
const snap = (index: number, term: number): Snapshot => ({
  metadata: { index, term, confState: emptyConfState() },
  data: new Uint8Array(),
});

describe('UnstableLog', () => {
  it('answers first/last/term from entries and snapshot', () => {
    const u = new UnstableLog(5);
    expect(u.maybeFirstIndex()).toBeUndefined();
    expect(u.maybeLastIndex()).toBeUndefined();
    u.truncateAndAppend([e(5, 1), e(6, 1)]);
    expect(u.maybeLastIndex()).toBe(6);
    expect(u.maybeTerm(5)).toBe(1);
    expect(u.maybeTerm(7)).toBeUndefined();
    expect(u.maybeTerm(4)).toBeUndefined();
    u.restore(snap(10, 3));
    expect(u.maybeFirstIndex()).toBe(11);
    expect(u.maybeLastIndex()).toBe(10);
    expect(u.maybeTerm(10)).toBe(3);
    expect(u.maybeTerm(9)).toBeUndefined();
  });

  it('truncateAndAppend appends, replaces a suffix, or replaces everything', () => {
    const u = new UnstableLog(5);
    u.truncateAndAppend([e(5, 1), e(6, 1), e(7, 1)]);
    u.truncateAndAppend([e(8, 2)]);
    expect(u.entries.map((x) => x.index)).toEqual([5, 6, 7, 8]);
    u.truncateAndAppend([e(7, 3)]);
    expect(u.entries.map((x) => [x.index, x.term])).toEqual([[5, 1], [6, 1], [7, 3]]);
    u.truncateAndAppend([e(4, 4)]);
    expect(u.offset).toBe(4);
    expect(u.entries.map((x) => [x.index, x.term])).toEqual([[4, 4]]);
  });

  it('tracks in-progress entries and stableTo ignores replaced entries', () => {
    const u = new UnstableLog(1);
    u.truncateAndAppend([e(1, 1), e(2, 1)]);
    expect(u.nextEntries().length).toBe(2);
    u.acceptInProgress();
    expect(u.nextEntries()).toEqual([]);
    u.truncateAndAppend([e(3, 1)]);
    expect(u.nextEntries().map((x) => x.index)).toEqual([3]);
    // A conflicting append rewinds the in-progress mark.
    u.truncateAndAppend([e(2, 2)]);
    expect(u.nextEntries().map((x) => [x.index, x.term])).toEqual([[2, 2]]);
    // The durable write of (2, term 1) no longer describes our log.
    u.stableTo(2, 1);
    expect(u.offset).toBe(1);
    u.stableTo(1, 1);
    expect(u.offset).toBe(2);
    expect(u.entries.map((x) => x.index)).toEqual([2]);
  });

  it('snapshot in progress and stableSnapTo', () => {
    const u = new UnstableLog(1);
    u.restore(snap(5, 2));
    expect(u.nextSnapshot()?.metadata.index).toBe(5);
    u.acceptInProgress();
    expect(u.nextSnapshot()).toBeUndefined();
    u.stableSnapTo(4);
    expect(u.snapshot).toBeDefined();
    u.stableSnapTo(5);
    expect(u.snapshot).toBeUndefined();
  });
});
