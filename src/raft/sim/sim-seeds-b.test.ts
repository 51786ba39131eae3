// Seeds [250, 500): zero violations, every seed converges.
import { describe, expect, it } from 'vitest';
import { runSeedRange } from './seed-range.ts';

describe('simulator seeds', () => {
  it('seeds 250..499: no violation, all converge', () => {
    expect(runSeedRange(250, 250).failures).toEqual([]);
  });
});
