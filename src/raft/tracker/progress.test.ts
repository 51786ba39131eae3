import { describe, expect, it } from 'vitest';
import { ProgressState } from '../types.ts';
import { Progress } from './progress.ts';

const mk = (match: number, next: number) => new Progress({ match, next, maxInflight: 2 });

describe('Progress', () => {
  it('probe sends one message at a time', () => {
    const p = mk(0, 5);
    expect(p.isPaused()).toBe(false);
    p.sentEntries(1, 5, 10);
    expect(p.isPaused()).toBe(true);
    expect(p.next).toBe(5);
    expect(p.maybeUpdate(5)).toBe(true);
    expect(p.isPaused()).toBe(false);
    expect(p.match).toBe(5);
    expect(p.next).toBe(6);
  });

  it('replicate pipelines up to the inflight bound', () => {
    const p = mk(5, 6);
    p.becomeReplicate();
    p.sentEntries(2, 7, 10);
    expect(p.next).toBe(8);
    p.sentEntries(1, 8, 10);
    expect(p.isPaused()).toBe(true);
    p.maybeUpdate(7);
    p.inflights.freeLE(7);
    expect(p.isPaused()).toBe(false);
  });

  it('maybeDecrTo in replicate falls back to match+1 and ignores stale rejections', () => {
    const p = mk(5, 10);
    p.state = ProgressState.Replicate;
    expect(p.maybeDecrTo(4, 4)).toBe(false);
    expect(p.maybeDecrTo(9, 9)).toBe(true);
    expect(p.next).toBe(6);
  });

  it('maybeDecrTo in probe uses the hint but never goes below match+1', () => {
    const p = mk(2, 10);
    expect(p.maybeDecrTo(8, 5)).toBe(false); // not the latest probe
    expect(p.maybeDecrTo(9, 5)).toBe(true);
    expect(p.next).toBe(6);
    p.next = 10;
    expect(p.maybeDecrTo(9, 0)).toBe(true);
    expect(p.next).toBe(3);
  });

  it('snapshot state pauses until probe; probe resumes after the snapshot', () => {
    const p = mk(1, 2);
    p.becomeSnapshot(20);
    expect(p.isPaused()).toBe(true);
    p.becomeProbe();
    expect(p.state).toBe(ProgressState.Probe);
    expect(p.next).toBe(21);
  });
});
