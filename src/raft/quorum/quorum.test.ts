import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  jointCommittedIndex,
  jointVoteResult,
  majorityCommittedIndex,
  majorityVoteResult,
  VoteResult,
} from './index.ts';

const ids = (...n: number[]) => new Set(n.map(BigInt));
const acked = (m: Record<number, number>) => (id: bigint) => m[Number(id)];

describe('majority', () => {
  it('committed index is the largest index held by a majority', () => {
    expect(majorityCommittedIndex(ids(1), acked({ 1: 5 }))).toBe(5);
    expect(majorityCommittedIndex(ids(1, 2), acked({ 1: 5, 2: 3 }))).toBe(3);
    expect(majorityCommittedIndex(ids(1, 2, 3), acked({ 1: 5, 2: 3, 3: 9 }))).toBe(5);
    expect(majorityCommittedIndex(ids(1, 2, 3), acked({ 1: 5 }))).toBe(0);
    expect(majorityCommittedIndex(ids(1, 2, 3, 4), acked({ 1: 5, 2: 3, 3: 9, 4: 7 }))).toBe(5);
    expect(majorityCommittedIndex(ids(), acked({}))).toBe(Infinity);
  });

  it('committed index matches a brute-force definition', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(20), { minLength: 1, maxLength: 7 }), (idx) => {
        const voters = new Set(idx.map((_, i) => BigInt(i + 1)));
        const got = majorityCommittedIndex(voters, (id) => idx[Number(id) - 1]);
        const q = Math.floor(idx.length / 2) + 1;
        let want = 0;
        for (const c of idx) if (idx.filter((x) => x >= c).length >= q) want = Math.max(want, c);
        expect(got).toBe(want);
      }),
    );
  });

  it('vote results', () => {
    const v = (m: Record<number, boolean>) => new Map(Object.entries(m).map(([k, b]) => [BigInt(k), b]));
    expect(majorityVoteResult(ids(), v({}))).toBe(VoteResult.Won);
    expect(majorityVoteResult(ids(1, 2, 3), v({ 1: true }))).toBe(VoteResult.Pending);
    expect(majorityVoteResult(ids(1, 2, 3), v({ 1: true, 2: true }))).toBe(VoteResult.Won);
    expect(majorityVoteResult(ids(1, 2, 3), v({ 1: true, 2: false, 3: false }))).toBe(VoteResult.Lost);
    expect(majorityVoteResult(ids(1, 2, 3, 4), v({ 1: true, 2: true, 3: false }))).toBe(VoteResult.Pending);
    expect(majorityVoteResult(ids(1, 2, 3, 4), v({ 1: false, 2: true }))).toBe(VoteResult.Pending);
    expect(majorityVoteResult(ids(1, 2, 3, 4), v({ 1: false, 2: false, 3: true }))).toBe(VoteResult.Lost);
    expect(majorityVoteResult(ids(1, 2, 3, 4), v({ 1: false, 2: false, 3: false }))).toBe(VoteResult.Lost);
    // Votes from non-members do not count.
    expect(majorityVoteResult(ids(1, 2, 3), v({ 4: true, 5: true, 1: true }))).toBe(VoteResult.Pending);
  });
});

describe('joint', () => {
  it('committed index is the minimum of both halves', () => {
    const c = { incoming: ids(1, 2, 3), outgoing: ids(3, 4, 5) };
    expect(jointCommittedIndex(c, acked({ 1: 10, 2: 10, 3: 5, 4: 4, 5: 3 }))).toBe(4);
    expect(jointCommittedIndex({ incoming: ids(1, 2, 3), outgoing: ids() }, acked({ 1: 10, 2: 10, 3: 5 }))).toBe(10);
  });

  it('an election needs both halves', () => {
    const c = { incoming: ids(1, 2, 3), outgoing: ids(4, 5, 6) };
    const v = (m: Record<number, boolean>) => new Map(Object.entries(m).map(([k, b]) => [BigInt(k), b]));
    expect(jointVoteResult(c, v({ 1: true, 2: true }))).toBe(VoteResult.Pending);
    expect(jointVoteResult(c, v({ 1: true, 2: true, 4: true, 5: true }))).toBe(VoteResult.Won);
    expect(jointVoteResult(c, v({ 1: true, 2: true, 4: false, 5: false }))).toBe(VoteResult.Lost);
    expect(jointVoteResult(c, v({ 1: false, 2: false, 4: true, 5: true }))).toBe(VoteResult.Lost);
  });

  it('joint committed index is never above either majority (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(30), { minLength: 6, maxLength: 6 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        (idx, a, b) => {
          const incoming = new Set(Array.from({ length: a }, (_, i) => BigInt(i + 1)));
          const outgoing = new Set(Array.from({ length: b }, (_, i) => BigInt(6 - i)));
          const f = (id: bigint) => idx[Number(id) - 1];
          const j = jointCommittedIndex({ incoming, outgoing }, f);
          expect(j).toBe(Math.min(majorityCommittedIndex(incoming, f), majorityCommittedIndex(outgoing, f)));
        },
      ),
    );
  });
});
