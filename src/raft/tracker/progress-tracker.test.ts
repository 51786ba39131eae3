import { describe, expect, it } from 'vitest';
import { Progress } from './progress.ts';
import { ProgressTracker, type ProgressMap } from './progress-tracker.ts';

const map = (...ids: number[]): ProgressMap => new Map(ids.map((id) => [BigInt(id), new Progress({ next: 1, maxInflight: 4 })]));
const visited = (t: ProgressTracker): bigint[] => {
  const seen: bigint[] = [];
  t.visit((id) => seen.push(id));
  return seen;
};

describe('ProgressTracker.visit', () => {
  it('visits in ascending id order, following a replaced map and one changed in place', () => {
    const t = new ProgressTracker(4);
    t.progress = map(30, 2, 11);
    expect(visited(t)).toEqual([2n, 11n, 30n]);
    expect(visited(t)).toEqual([2n, 11n, 30n]);
    t.progress = map(5, 1);
    expect(visited(t)).toEqual([1n, 5n]);
    // Same size, different members: the kept order must not be reused.
    t.progress.delete(5n);
    t.progress.set(3n, new Progress({ next: 1, maxInflight: 4 }));
    expect(visited(t)).toEqual([1n, 3n]);
    t.progress.set(0n, new Progress({ next: 1, maxInflight: 4 }));
    expect(visited(t)).toEqual([0n, 1n, 3n]);
  });

  it('hands each id its own progress', () => {
    const t = new ProgressTracker(4);
    t.progress = map(9, 4);
    const pairs: Array<[bigint, Progress]> = [];
    t.visit((id, pr) => pairs.push([id, pr]));
    expect(pairs.map(([id, pr]) => pr === t.progress.get(id))).toEqual([true, true]);
  });
});
