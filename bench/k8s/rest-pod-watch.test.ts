import { describe, expect, it } from 'vitest';
import { LineSplitter } from './rest-pod-watch.ts';

describe('LineSplitter', () => {
  it('yields whole lines however the chunks cut them, skipping blank ones', () => {
    const lines: string[] = [];
    const s = new LineSplitter();
    for (const chunk of ['{"a":', '1}\n{"b"', ':2}\n\n{"c":3}', '\n']) s.push(chunk, (l) => lines.push(l));
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it('keeps a line without its newline until the newline comes', () => {
    const lines: string[] = [];
    const s = new LineSplitter();
    s.push('{"partial":true}', (l) => lines.push(l));
    expect(lines).toEqual([]);
    s.push('\n', (l) => lines.push(l));
    expect(lines).toEqual(['{"partial":true}']);
  });
});
