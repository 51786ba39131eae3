// The hollow runtime's stand-in for /bin/sh: exec commands and exec probes in the compliance suite are
// `sh -c` scripts of `echo …`, `exit N`, `true` and `false` joined by `;`, or one of those as a bare argv.
import { Readable, Writable } from 'node:stream';
import type { ExecResult, ExecSession, ExecStreamOptions } from '../types.ts';

export function hollowExec(command: readonly string[]): ExecResult {
  const isShell = (command[0] === 'sh' || command[0] === '/bin/sh') && command[1] === '-c';
  const statements = isShell ? (command[2] ?? '').split(';') : [command.join(' ')];
  let stdout = '';
  let status = 0;
  for (const statement of statements) {
    const words = statement.trim().split(/\s+/).filter((w) => w !== '');
    if (words.length === 0) continue;
    const [verb, ...rest] = words;
    if (verb === 'echo') {
      stdout += `${rest.join(' ')}\n`;
      status = 0;
    } else if (verb === 'true') status = 0;
    else if (verb === 'false') status = 1;
    else if (verb === 'exit') return { exitCode: Number(rest[0] ?? status), stdout, stderr: '' };
    else return { exitCode: 127, stdout, stderr: `sh: ${verb}: not found\n` };
  }
  return { exitCode: status, stdout, stderr: '' };
}

/** The same script as a session (kubectl exec on a hollow node): its output at once, any input discarded. */
export function hollowExecSession(command: readonly string[], options: ExecStreamOptions): ExecSession {
  const result = hollowExec(command);
  const stdin = options.stdin ? new Writable({ write: (_chunk, _encoding, callback) => callback() }) : undefined;
  return {
    stdin,
    stdout: Readable.from(result.stdout === '' ? [] : [Buffer.from(result.stdout)]),
    stderr: Readable.from(result.stderr === '' ? [] : [Buffer.from(result.stderr)]),
    exited: Promise.resolve(result.exitCode),
    kill: () => {},
  };
}
