import { describe, expect, it } from 'vitest';
import { silentLogger } from './config.ts';
import { RaftError, RaftErrorCode } from './errors.ts';
import { RaftLog } from './log.ts';
import { MemoryStorage } from './storage/memory-storage.ts';
import { emptyConfState, EntryType, type Entry } from './types.ts';

const e = (index: number, term: number, size = 0): Entry => ({
  index,
  term,
  type: EntryType.Normal,
  data: new Uint8Array(size),
});

function logWith(stored: Entry[], unstable: Entry[] = []): RaftLog {
  const s = new MemoryStorage();
  s.append(stored);
  const log = new RaftLog(s, silentLogger);
  log.append(unstable);
  return log;
}

describe('RaftLog', () => {
  it('combines storage and unstable entries', () => {
    const log = logWith([e(1, 1), e(2, 1)], [e(3, 2)]);
    expect(log.firstIndex()).toBe(1);
    expect(log.lastIndex()).toBe(3);
    expect(log.lastTerm()).toBe(2);
    expect(log.term(0)).toBe(0);
    expect(log.term(2)).toBe(1);
    expect(() => log.term(4)).toThrow(RaftError);
    expect(log.slice(1, 4, Infinity).map((x) => x.index)).toEqual([1, 2, 3]);
  });

  it('slice honours the size limit but returns at least one entry', () => {
    const log = logWith([e(1, 1, 100), e(2, 1, 100)], [e(3, 1, 100)]);
    expect(log.slice(1, 4, 1).map((x) => x.index)).toEqual([1]);
    expect(log.slice(1, 4, 124 * 2).map((x) => x.index)).toEqual([1, 2]);
    expect(log.slice(2, 4, 124 * 2).map((x) => x.index)).toEqual([2, 3]);
    expect(log.slice(1, 4, 124 * 3).map((x) => x.index)).toEqual([1, 2, 3]);
  });

  it('slice below the first index throws Compacted', () => {
    const s = new MemoryStorage();
    s.append([e(1, 1), e(2, 1), e(3, 1)]);
    s.compactSync(2);
    const log = new RaftLog(s, silentLogger);
    try {
      log.slice(1, 3, Infinity);
      expect.unreachable();
    } catch (err) {
      expect((err as RaftError).code).toBe(RaftErrorCode.Compacted);
    }
    expect(log.committed).toBe(2);
    expect(log.applied).toBe(2);
  });

  it('findConflict', () => {
    const log = logWith([e(1, 1), e(2, 2), e(3, 3)]);
    expect(log.findConflict([])).toBe(0);
    expect(log.findConflict([e(1, 1), e(2, 2)])).toBe(0);
    expect(log.findConflict([e(2, 2), e(3, 3), e(4, 4)])).toBe(4);
    expect(log.findConflict([e(2, 1), e(3, 4)])).toBe(2);
    expect(log.findConflict([e(3, 1)])).toBe(3);
  });

  it('findConflictByTerm walks back to a term at or below the given one', () => {
    // terms: 1:1 2:1 3:3 4:3 5:5
    const log = logWith([e(1, 1), e(2, 1), e(3, 3), e(4, 3), e(5, 5)]);
    expect(log.findConflictByTerm(5, 4)).toEqual({ index: 4, term: 3 });
    expect(log.findConflictByTerm(5, 2)).toEqual({ index: 2, term: 1 });
    expect(log.findConflictByTerm(5, 5)).toEqual({ index: 5, term: 5 });
    expect(log.findConflictByTerm(4, 0)).toEqual({ index: 0, term: 0 });
    expect(log.findConflictByTerm(9, 3)).toEqual({ index: 9, term: 0 });
  });

  it('maybeAppend appends, truncates conflicts, commits and rejects mismatches', () => {
    const log = logWith([e(1, 1), e(2, 2), e(3, 3)]);
    expect(log.maybeAppend(3, 2, 3, [e(4, 4)])).toBeUndefined();
    expect(log.maybeAppend(3, 3, 5, [e(4, 4), e(5, 4)])).toBe(5);
    expect(log.committed).toBe(5);
    const log2 = logWith([e(1, 1), e(2, 2), e(3, 3)]);
    expect(log2.maybeAppend(1, 1, 2, [e(2, 4)])).toBe(2);
    expect(log2.lastIndex()).toBe(2);
    expect(log2.term(2)).toBe(4);
    expect(log2.committed).toBe(2);
    // Commit is bounded by the last new entry.
    const log3 = logWith([e(1, 1), e(2, 1), e(3, 1)]);
    expect(log3.maybeAppend(1, 1, 3, [])).toBe(1);
    expect(log3.committed).toBe(1);
  });

  it('maybeAppend refuses to overwrite committed entries', () => {
    const log = logWith([e(1, 1), e(2, 1)]);
    log.commitTo(2);
    try {
      log.maybeAppend(1, 1, 2, [e(2, 2)]);
      expect.unreachable();
    } catch (err) {
      expect((err as RaftError).code).toBe(RaftErrorCode.InvalidMessage);
    }
    expect(log.term(2)).toBe(1);
  });

  it('isUpToDate compares last term, then last index', () => {
    const log = logWith([e(1, 1), e(2, 2), e(3, 2)]);
    expect(log.isUpToDate(1, 3)).toBe(true);
    expect(log.isUpToDate(3, 2)).toBe(true);
    expect(log.isUpToDate(4, 2)).toBe(true);
    expect(log.isUpToDate(2, 2)).toBe(false);
    expect(log.isUpToDate(9, 1)).toBe(false);
  });

  it('maybeCommit only commits entries of the given term', () => {
    const log = logWith([e(1, 1), e(2, 2)]);
    expect(log.maybeCommit(1, 2)).toBe(false);
    expect(log.maybeCommit(1, 2, true)).toBe(true);
    expect(log.maybeCommit(2, 2)).toBe(true);
    expect(log.committed).toBe(2);
    expect(log.maybeCommit(3, 2)).toBe(false);
  });

  it('committed entries are handed out once, cursor invariants hold', () => {
    const log = logWith([e(1, 1), e(2, 1)], [e(3, 1)]);
    log.commitTo(3);
    expect(log.nextCommittedEntries(Infinity).map((x) => x.index)).toEqual([1, 2, 3]);
    log.acceptApplying(2);
    expect(log.nextCommittedEntries(Infinity).map((x) => x.index)).toEqual([3]);
    log.appliedTo(2);
    expect(log.applied).toBe(2);
    expect(() => log.appliedTo(4)).toThrow();
  });

  it('restore replaces the log by a snapshot', () => {
    const log = logWith([e(1, 1), e(2, 1)]);
    log.restore({ metadata: { index: 10, term: 3, confState: emptyConfState() }, data: new Uint8Array() });
    expect(log.committed).toBe(10);
    expect(log.lastIndex()).toBe(10);
    expect(log.firstIndex()).toBe(11);
    expect(log.term(10)).toBe(3);
    expect(log.nextCommittedEntries(Infinity)).toEqual([]);
    expect(log.hasNextCommittedEntries()).toBe(false);
  });
});
