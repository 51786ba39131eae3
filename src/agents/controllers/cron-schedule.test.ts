import { describe, expect, it } from 'vitest';
import { CronParseError, nextActivation, parseCron } from './cron-schedule.ts';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number | undefined): string => new Date(ms ?? NaN).toISOString();

describe('cron schedules', () => {
  it('steps, ranges, lists and names', () => {
    expect(iso(nextActivation(parseCron('*/15 * * * *'), at('2026-01-01T10:07:30Z')))).toBe('2026-01-01T10:15:00.000Z');
    expect(iso(nextActivation(parseCron('0 9-17/4 * * mon-fri'), at('2026-01-02T17:00:00Z')))).toBe('2026-01-05T09:00:00.000Z');
    expect(iso(nextActivation(parseCron('30 2 1,15 * *'), at('2026-01-01T02:30:00Z')))).toBe('2026-01-15T02:30:00.000Z');
    expect(iso(nextActivation(parseCron('0 0 29 feb *'), at('2026-03-01T00:00:00Z')))).toBe('2028-02-29T00:00:00.000Z');
    expect(iso(nextActivation(parseCron('@hourly'), at('2026-01-01T10:00:00Z')))).toBe('2026-01-01T11:00:00.000Z');
    expect(iso(nextActivation(parseCron('0 0 * * 7'), at('2026-01-01T00:00:00Z')))).toBe('2026-01-04T00:00:00.000Z');
  });

  it('both day fields restricted: either matches, as cron', () => {
    // 2026-01-13 is a Tuesday; day 15 is a Thursday.
    expect(iso(nextActivation(parseCron('0 0 15 * tue'), at('2026-01-12T00:00:00Z')))).toBe('2026-01-13T00:00:00.000Z');
  });

  it('strictly after the given time', () => {
    expect(iso(nextActivation(parseCron('* * * * *'), at('2026-01-01T00:00:00Z')))).toBe('2026-01-01T00:01:00.000Z');
  });

  it('rejects bad schedules with the field', () => {
    expect(() => parseCron('61 * * * *')).toThrow(CronParseError);
    expect(() => parseCron('* * * *')).toThrow('expected exactly 5 fields, found 4');
    expect(() => parseCron('* * * foo *')).toThrow('failed to parse month "foo"');
    expect(() => parseCron('*/0 * * * *')).toThrow('bad step');
  });
});
