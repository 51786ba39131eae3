import { describe, expect, it } from 'vitest';
import { parseCommand, parseScript, renderScript, ScriptSyntaxError } from './script.ts';

describe('interaction script format', () => {
  it('parses positional, key=value, lists and quoted words', () => {
    const c = parseCommand('add-nodes 3 voters=(1, 2,3) index=2 "a b" key="x y"', 7);
    expect(c.name).toBe('add-nodes');
    expect(c.positional).toEqual(['3', 'a b']);
    expect(c.args).toEqual([
      { key: 'voters', values: ['1', '2', '3'] },
      { key: 'index', values: ['2'] },
      { key: 'key', values: ['x y'] },
    ]);
    expect(c.line).toBe(7);
  });

  it('keeps a quoted word with = positional', () => {
    expect(parseCommand('propose 1 "a=b"', 1).positional).toEqual(['1', 'a=b']);
  });

  it('renders a parsed script back byte for byte', () => {
    const text = '# head\n\ncampaign 1\n----\nok\n\n# two\n# lines\nstabilize\n----\nnode 1 ready:\n  x\n\n# tail\n';
    const s = parseScript(text);
    expect(s.blocks.map((b) => b.command.name)).toEqual(['campaign', 'stabilize']);
    expect(renderScript(s, s.blocks.map((b) => b.expected))).toBe(text);
  });

  it('renders new outputs in place of empty ones', () => {
    const s = parseScript('campaign 1\n----\n\nstabilize\n----\n');
    expect(renderScript(s, [['ok'], ['a', 'b']])).toBe('campaign 1\n----\nok\n\nstabilize\n----\na\nb\n');
  });

  it('rejects a command without a separator', () => {
    expect(() => parseScript('campaign 1\nok\n')).toThrow(ScriptSyntaxError);
  });
});
