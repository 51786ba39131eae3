import { afterEach, describe, expect, it } from 'vitest';
import { silenceIpServernameWarning } from './ip-servername-warning.ts';

describe('silenceIpServernameWarning', () => {
  const original = process.emitWarning;
  afterEach(() => {
    process.emitWarning = original;
  });

  it('drops DEP0123 in both call forms and passes every other warning on', () => {
    const seen: unknown[] = [];
    process.emitWarning = ((w: unknown, ...rest: unknown[]) => void seen.push([w, ...rest])) as typeof process.emitWarning;
    silenceIpServernameWarning();
    process.emitWarning('ip servername', 'DeprecationWarning', 'DEP0123');
    process.emitWarning('ip servername', { type: 'DeprecationWarning', code: 'DEP0123' });
    process.emitWarning('other', 'DeprecationWarning', 'DEP0005');
    process.emitWarning('plain');
    expect(seen).toEqual([['other', 'DeprecationWarning', 'DEP0005'], ['plain']]);
  });
});
