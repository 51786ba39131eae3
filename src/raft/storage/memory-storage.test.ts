import { describe, expect, it } from 'vitest';
import { RaftErrorCode } from '../errors.ts';
import { emptyConfState } from '../types.ts';
import { describeLogStorageCompliance, entriesOf } from './log-storage-compliance.ts';
import { MemoryStorage } from './memory-storage.ts';

describeLogStorageCompliance('MemoryStorage', async () => ({ storage: new MemoryStorage(), cleanup: async () => {} }), {
  modelRuns: 100,
});

describe('MemoryStorage bootstrap and synchronous helpers', () => {
  const voters = { ...emptyConfState(), voters: [1n, 2n, 3n] };

  it('boots with a seeded membership and an empty log', () => {
    const s = new MemoryStorage({ confState: voters });
    expect(s.initialState().confState).toEqual(voters);
    expect(s.snapshot().metadata).toEqual({ index: 0, term: 0, confState: voters });
    expect(s.firstIndex()).toBe(1);
    expect(s.lastIndex()).toBe(0);
  });

  it('setConfState replaces the membership and does not alias the caller', () => {
    const s = new MemoryStorage();
    const cs = { ...emptyConfState(), voters: [7n] };
    s.setConfState(cs);
    cs.voters.push(8n);
    expect(s.initialState().confState.voters).toEqual([7n]);
  });

  it('applySnapshot throws SnapOutOfDate for an older or equal snapshot', () => {
    const s = new MemoryStorage();
    s.append(entriesOf(1, 3, 1));
    s.applySnapshot({ metadata: { index: 5, term: 2, confState: voters }, data: new Uint8Array() });
    expect(s.lastIndex()).toBe(5);
    expect(() => s.applySnapshot({ metadata: { index: 5, term: 2, confState: voters }, data: new Uint8Array() })).toThrow(
      expect.objectContaining({ code: RaftErrorCode.SnapOutOfDate }),
    );
  });

  it('applies a save synchronously: snapshot, then entries, then hard state', () => {
    const s = new MemoryStorage();
    void s.save({
      snapshot: { metadata: { index: 3, term: 1, confState: voters }, data: new Uint8Array() },
      entries: entriesOf(4, 5, 2),
      hardState: { term: 2, vote: 1n, commit: 4 },
    });
    expect([s.firstIndex(), s.lastIndex(), s.term(3), s.term(5)]).toEqual([4, 5, 1, 2]);
    expect(s.initialState().hardState.commit).toBe(4);
  });
});
