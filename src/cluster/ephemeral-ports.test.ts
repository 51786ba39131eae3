import { describe, expect, it } from 'vitest';
import { ephemeralOverlapWarning, parsePortRange } from './ephemeral-ports.ts';

describe('ephemeral port range', () => {
  it('parses ip_local_port_range and refuses what is not two ordered numbers', () => {
    expect(parsePortRange('32768\t60999\n')).toEqual({ low: 32768, high: 60999 });
    expect(parsePortRange('1024 65535')).toEqual({ low: 1024, high: 65535 });
    expect(parsePortRange('60999 32768')).toBeUndefined();
    expect(parsePortRange('')).toBeUndefined();
  });

  it('warns only when the plan overlaps the range, at either end', () => {
    const range = { low: 32768, high: 60999 };
    expect(ephemeralOverlapWarning(27000, 27133, range)).toBeUndefined();
    expect(ephemeralOverlapWarning(61000, 61133, range)).toBeUndefined();
    expect(ephemeralOverlapWarning(32700, 32833, range)).toMatch(/^ports 32700-32833 overlap the ephemeral port range 32768-60999 .*below 32635$/);
    expect(ephemeralOverlapWarning(36000, 36133, range)).toBeDefined();
    expect(ephemeralOverlapWarning(60900, 61033, range)).toBeDefined();
    expect(ephemeralOverlapWarning(36000, 36133, undefined)).toBeUndefined();
  });
});
