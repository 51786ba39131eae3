// The checkers on hand-made histories: each must accept a good one and name the broken invariant in a bad one.
import { describe, expect, it } from 'vitest';
import { EntryType, type Entry } from '../types.ts';
import { encodeProposal } from './app.ts';
import { Checkers, type LogView } from './checkers.ts';

const ent = (index: number, term: number, id?: number): Entry => ({
  index,
  term,
  type: EntryType.Normal,
  data: id === undefined ? new Uint8Array(0) : encodeProposal(id),
});

function view(terms: number[], firstIndex = 1): LogView {
  return {
    firstIndex,
    lastIndex: firstIndex + terms.length - 1,
    term: (i) => terms[i - firstIndex],
  };
}

describe('Checkers', () => {
  it('election safety: one leader per term', () => {
    const c = new Checkers();
    c.onLeader(1n, 2);
    c.onLeader(1n, 2);
    c.onLeader(2n, 3);
    expect(c.ok).toBe(true);
    c.onLeader(3n, 3);
    expect(c.violation?.kind).toBe('election-safety');
  });

  it('log matching: an (index, term) names one entry with one predecessor term', () => {
    const c = new Checkers();
    c.onPersisted(1n, ent(5, 2, 10), 1);
    c.onPersisted(2n, ent(5, 2, 10), 1);
    expect(c.ok).toBe(true);
    c.onPersisted(3n, ent(5, 2, 11), 1);
    expect(c.violation?.kind).toBe('log-matching');
    const d = new Checkers();
    d.onPersisted(1n, ent(5, 2, 10), 1);
    d.onPersisted(2n, ent(5, 2, 10), 2);
    expect(d.violation?.kind).toBe('log-matching');
  });

  it('state-machine safety: one committed entry per index, one state per applied index', () => {
    const c = new Checkers();
    c.onCommitted(1n, ent(3, 1, 7), 1);
    c.onCommitted(2n, ent(3, 1, 7), 1);
    c.onApplied(1n, 3, 42);
    c.onApplied(2n, 3, 42);
    expect(c.ok).toBe(true);
    c.onCommitted(3n, ent(3, 2, 8), 1);
    expect(c.violation?.kind).toBe('state-machine-safety');
    const d = new Checkers();
    d.onApplied(1n, 3, 42);
    d.onApplied(2n, 3, 43);
    expect(d.violation?.kind).toBe('state-machine-safety');
  });

  it('leader completeness: a new leader holds every entry committed in earlier terms', () => {
    const c = new Checkers();
    c.onCommitted(1n, ent(1, 1), 1);
    c.onCommitted(1n, ent(2, 1, 5), 1);
    c.checkLeaderCompleteness(2n, 2, view([1, 1, 2]));
    // Entries inside the leader's snapshot are committed by construction.
    c.checkLeaderCompleteness(2n, 2, view([1, 2], 2));
    expect(c.ok).toBe(true);
    c.checkLeaderCompleteness(3n, 3, view([1]));
    expect(c.violation?.kind).toBe('leader-completeness');
    const d = new Checkers();
    d.onCommitted(1n, ent(1, 1), 1);
    d.onCommitted(1n, ent(2, 1, 5), 1);
    d.checkLeaderCompleteness(3n, 3, view([1, 2]));
    expect(d.violation?.kind).toBe('leader-completeness');
  });

  it('leader completeness: a leader need not hold what was committed in its own or a later term', () => {
    const c = new Checkers();
    // Committed by a leader of term 4 (an old-term entry it carried): a concurrent leader of term 3 may lack it.
    c.onCommitted(1n, ent(2, 1, 5), 4);
    c.checkLeaderCompleteness(2n, 3, view([1]));
    c.checkLeaderCompleteness(2n, 4, view([1]));
    expect(c.ok).toBe(true);
    c.checkLeaderCompleteness(3n, 5, view([1]));
    expect(c.violation?.kind).toBe('leader-completeness');
  });

  it('durability: a recovered commit index is backed by the committed entries', () => {
    const c = new Checkers();
    c.onCommitted(1n, ent(1, 1), 1);
    c.onCommitted(1n, ent(2, 1, 5), 1);
    c.checkRecovered(1n, 2, 0, view([1, 1]));
    expect(c.ok).toBe(true);
    c.checkRecovered(2n, 3, 0, view([1, 1]));
    expect(c.violation?.kind).toBe('durability');
    const d = new Checkers();
    d.onCommitted(1n, ent(2, 1, 5), 1);
    d.checkRecovered(2n, 2, 0, view([1, 2]));
    expect(d.violation?.kind).toBe('durability');
  });

  it('keeps the first violation', () => {
    const c = new Checkers();
    c.fail('liveness', 'first');
    c.fail('durability', 'second');
    expect(c.violation).toEqual({ kind: 'liveness', description: 'first' });
  });
});
