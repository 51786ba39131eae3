// The door of the interaction harness: golden text scripts that drive RawNodes step by step (see README.md).
export { runScript, type ScriptRun } from './runner.ts';
export { InteractionEnv, type InteractionNode, type LogLevel } from './env.ts';
export { parseScript, renderScript, type ParsedScript, type ScriptBlock, type ScriptCommand } from './script.ts';
export { fmtEntry, fmtMessage, fmtConfState, fmtSnapshot } from './format.ts';
