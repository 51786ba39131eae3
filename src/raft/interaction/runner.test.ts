import { describe, expect, it } from 'vitest';
import { runScript } from './runner.ts';
import { ScriptUsageError } from './script.ts';

describe('interaction runner', () => {
  it('prints ok for a command with nothing to say, and re-renders the script with its output', () => {
    const run = runScript('add-nodes 1 voters=(1) index=1\n----\n\ncampaign 1\n----\n', 'mini');
    expect(run.outputs).toEqual([['node 1 boots at Index:1 Term:1 Voters:[1]'], ['ok']]);
    expect(run.actual).toBe(
      'add-nodes 1 voters=(1) index=1\n----\nnode 1 boots at Index:1 Term:1 Voters:[1]\n\ncampaign 1\n----\nok\n',
    );
  });

  it('rejects an unknown command, an unknown argument and a missing node with the line', () => {
    expect(() => runScript('frobnicate 1\n----\n', 'a.txt')).toThrow(/a\.txt:1: unknown command frobnicate/);
    expect(() => runScript('add-nodes 1 voters=(1) vot=2\n----\n', 'b.txt')).toThrow(ScriptUsageError);
    expect(() => runScript('\ncampaign 7\n----\n', 'c.txt')).toThrow(/c\.txt:2: no node 7/);
  });

  it('is deterministic: the same script prints the same text twice', () => {
    const text = 'add-nodes 3 voters=(1,2,3) index=1\n----\n\ncampaign 1\n----\n\nstabilize\n----\n';
    expect(runScript(text, 'x').actual).toBe(runScript(text, 'x').actual);
  });
});
