// Seeds [0, 250): zero violations, every seed converges. (The other half runs in sim-seeds-b, in parallel.)
import { describe, expect, it } from 'vitest';
import { runSeedRange } from './seed-range.ts';

describe('simulator seeds', () => {
  it('seeds 0..249: no violation, all converge, every kind of fault exercised', () => {
    const { failures, totals } = runSeedRange(0, 250);
    expect(failures).toEqual([]);
    expect(totals.acked).toBeGreaterThan(1000);
    expect(totals.crashes).toBeGreaterThan(100);
    expect(totals.confChanges).toBeGreaterThan(50);
    expect(totals.snapshotsSent).toBeGreaterThan(100);
    expect(totals.messagesDropped).toBeGreaterThan(1000);
    expect(totals.leaders).toBeGreaterThan(500);
  });
});
