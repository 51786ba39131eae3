// Runs an interaction script against a fresh environment and returns what every command printed.
import { RaftError } from '../index.ts';
import { Args, COMMANDS } from './commands.ts';
import { InteractionEnv } from './env.ts';
import { parseScript, renderScript, ScriptUsageError, type ParsedScript } from './script.ts';

export interface ScriptRun {
  script: ParsedScript;
  /** One list of output lines per block, in block order. */
  outputs: string[][];
  /** The script re-rendered with the actual outputs: equal to the file when the script passes. */
  actual: string;
  /** The core threw something other than a RaftError (an assertion, a TypeError): always a failure. */
  panic?: string;
}

export function runScript(text: string, where: string): ScriptRun {
  const script = parseScript(text, where);
  const env = new InteractionEnv();
  const outputs: string[][] = [];
  let panic: string | undefined;
  for (const block of script.blocks) {
    const at = `${where}:${block.command.line}`;
    if (panic !== undefined) {
      outputs.push(['skipped: an earlier command panicked']);
      continue;
    }
    const handler = COMMANDS[block.command.name];
    if (handler === undefined) throw new ScriptUsageError(`${at}: unknown command ${block.command.name}`);
    const args = new Args(block.command);
    try {
      handler(env, args);
      args.done();
    } catch (err) {
      if (err instanceof ScriptUsageError) throw new ScriptUsageError(`${at}: ${err.message}`);
      const e = err as Error;
      // RaftErrors are handled by each command; one escaping here is as much a bug as an assertion.
      const kind = err instanceof RaftError ? 'unhandled RaftError' : e.name;
      panic = `${at}: ${kind}: ${e.message}`;
      env.print(`panic: ${kind}: ${e.message}`);
    }
    const lines = env.takeOutput();
    outputs.push(lines.length > 0 ? lines : ['ok']);
  }
  return { script, outputs, actual: renderScript(script, outputs), panic };
}
