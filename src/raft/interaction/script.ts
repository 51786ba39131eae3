// The golden-file format of interaction scripts, parsed and rendered without loss so that a rewrite keeps
// every comment in place.
//
//   # a comment explains the next command (any number of comment or blank lines)
//   deliver-msgs 2 type=MsgApp
//   ----
//   node 2 receives:
//     1->2 MsgApp Term:1 Log:1/2 Commit:2
//   (a blank line or the end of the file ends the output)
//
// Output never contains a blank line: the interpreter prints `ok` for a command with nothing to say.

export const SEPARATOR = '----';

export interface ScriptArg {
  key: string;
  /** `key=(a,b)` gives several values; a bare word gives none. */
  values: string[];
}

export interface ScriptCommand {
  name: string;
  /** Bare words (positional arguments) in order. */
  positional: string[];
  args: ScriptArg[];
  /** 1-based line of the command in its file, for error messages. */
  line: number;
  text: string;
}

export interface ScriptBlock {
  /** Comment and blank lines before the command, verbatim. */
  preamble: string[];
  command: ScriptCommand;
  expected: string[];
}

export interface ParsedScript {
  blocks: ScriptBlock[];
  /** Comment and blank lines after the last block. */
  trailer: string[];
}

export class ScriptSyntaxError extends Error {
  constructor(where: string, line: number, what: string) {
    super(`${where}:${line}: ${what}`);
    this.name = 'ScriptSyntaxError';
  }
}

function isCommentOrBlank(line: string): boolean {
  const t = line.trim();
  return t === '' || t.startsWith('#');
}

export function parseScript(text: string, where = 'script'): ParsedScript {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const blocks: ScriptBlock[] = [];
  let preamble: string[] = [];
  let i = 0;
  while (i < lines.length) {
    if (isCommentOrBlank(lines[i])) {
      preamble.push(lines[i]);
      i++;
      continue;
    }
    const command = parseCommand(lines[i], i + 1, where);
    i++;
    if (i >= lines.length || lines[i] !== SEPARATOR) {
      throw new ScriptSyntaxError(where, i, `expected "${SEPARATOR}" after command "${command.text}"`);
    }
    i++;
    const expected: string[] = [];
    while (i < lines.length && lines[i].trim() !== '') {
      expected.push(lines[i]);
      i++;
    }
    blocks.push({ preamble, command, expected });
    preamble = [];
  }
  return { blocks, trailer: preamble };
}

/** Renders a script with the given outputs in place of the expected ones (same block order). */
export function renderScript(script: ParsedScript, outputs: string[][]): string {
  const out: string[] = [];
  script.blocks.forEach((b, n) => {
    out.push(...b.preamble, b.command.text, SEPARATOR, ...outputs[n]);
    // The blank line that ends an output is part of the next preamble when one follows.
    const next = n + 1 < script.blocks.length ? script.blocks[n + 1].preamble : undefined;
    if (next !== undefined && (next.length === 0 || next[0].trim() !== '')) out.push('');
  });
  out.push(...script.trailer);
  return out.join('\n') + '\n';
}

/** Splits `name a b key=v key=(x,y) "quoted text"` into a command. */
export function parseCommand(text: string, line: number, where = 'script'): ScriptCommand {
  const tokens = tokenize(text, line, where);
  const [name, ...rest] = tokens;
  const positional: string[] = [];
  const args: ScriptArg[] = [];
  for (const tok of rest) {
    const eq = tok.quoted ? -1 : tok.text.indexOf('=');
    if (eq <= 0) {
      positional.push(tok.text);
      continue;
    }
    const key = tok.text.slice(0, eq);
    const raw = tok.text.slice(eq + 1);
    const values =
      raw.startsWith('(') && raw.endsWith(')')
        ? raw
            .slice(1, -1)
            .split(',')
            .map((v) => v.trim())
            .filter((v) => v !== '')
        : [unquote(raw)];
    args.push({ key, values });
  }
  return { name: name.text, positional, args, line, text: text.trimEnd() };
}

interface Token {
  text: string;
  quoted: boolean;
}

function tokenize(text: string, line: number, where: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === ' ' || text[i] === '\t') {
      i++;
      continue;
    }
    let tok = '';
    let quoted = false;
    let depth = 0;
    while (i < text.length && (depth > 0 || (text[i] !== ' ' && text[i] !== '\t'))) {
      const c = text[i];
      if (c === '"') {
        const end = closingQuote(text, i);
        if (end < 0) throw new ScriptSyntaxError(where, line, 'unterminated string');
        if (tok === '') quoted = true;
        tok += text.slice(i, end + 1);
        i = end + 1;
        continue;
      }
      if (c === '(') depth++;
      if (c === ')') depth--;
      tok += c;
      i++;
    }
    if (depth !== 0) throw new ScriptSyntaxError(where, line, 'unbalanced parentheses');
    tokens.push({ text: quoted ? unquote(tok) : tok, quoted });
  }
  if (tokens.length === 0) throw new ScriptSyntaxError(where, line, 'empty command');
  return tokens;
}

function closingQuote(text: string, open: number): number {
  for (let j = open + 1; j < text.length; j++) {
    if (text[j] === '\\') j++;
    else if (text[j] === '"') return j;
  }
  return -1;
}

function unquote(s: string): string {
  if (s.length >= 2 && s.startsWith('"') && s.endsWith('"')) return JSON.parse(s) as string;
  return s;
}

/** A script that misuses a command (unknown argument, missing node): the script's bug, not the core's. */
export class ScriptUsageError extends Error {
  constructor(what: string) {
    super(what);
    this.name = 'ScriptUsageError';
  }
}
