import { describe, expect, it } from 'vitest';
import { FlagError } from './cli-flags.ts';
import { parseDurationFlag } from './duration-flag.ts';

describe('parseDurationFlag', () => {
  it("takes Go's duration grammar", () => {
    expect(parseDurationFlag('1m30s')).toBe(90_000);
    expect(parseDurationFlag('500ms')).toBe(500);
    expect(parseDurationFlag('1.5h')).toBe(5_400_000);
    expect(parseDurationFlag('2500us')).toBe(3);
    expect(parseDurationFlag('0s')).toBe(0);
  });

  it('takes a bare number as seconds', () => {
    expect(parseDurationFlag('15')).toBe(15_000);
    expect(parseDurationFlag('0.25')).toBe(250);
  });

  it('rejects anything else with the text in the error', () => {
    for (const bad of ['', 'abc', '10x', '1m 30s', '-5s', 's', '10s5']) {
      expect(() => parseDurationFlag(bad)).toThrow(FlagError);
    }
    expect(() => parseDurationFlag('abc')).toThrow('invalid duration "abc"');
  });
});
