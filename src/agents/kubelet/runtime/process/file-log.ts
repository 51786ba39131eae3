// Per-attempt log files, <root>/pods/<uid>/<container>/<attempt>.log: the container's stdout and stderr, one
// timestamped line each (log-lines.ts), read back with tail and follow.
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Readable } from 'node:stream';
import { presentLine, storedLine, tailStart } from '../log-lines.ts';
import type { LogOptions } from '../types.ts';

const FOLLOW_POLL_MS = 100;

/** Copies both streams into `file` line by line; resolves when both ended and everything is on disk. */
export function writeLog(file: string, streams: Readable[]): Promise<void> {
  const out = fs.createWriteStream(file, { flags: 'a' });
  const copies = streams.map(
    (stream) =>
      new Promise<void>((resolve) => {
        let partial = '';
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => {
          const parts = (partial + chunk).split('\n');
          partial = parts.pop() ?? '';
          const now = Date.now();
          if (parts.length > 0) out.write(parts.map((line) => storedLine(now, line) + '\n').join(''));
        });
        stream.on('close', () => {
          if (partial !== '') out.write(storedLine(Date.now(), partial) + '\n');
          resolve();
        });
      }),
  );
  return Promise.all(copies).then(() => new Promise<void>((resolve) => out.end(resolve)));
}

function readLines(file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const lines = text.split('\n');
  lines.pop(); // the text after the last newline: nothing, or a line still being written
  return lines;
}

export async function* readLog(file: string, options: LogOptions, ended: Promise<void>): AsyncIterable<string> {
  let isEnded = false;
  void ended.then(() => (isEnded = true));
  let lines = readLines(file);
  let next = tailStart(lines.length, options);
  for (;;) {
    while (next < lines.length) yield presentLine(lines[next++], options);
    if (options.follow !== true) return;
    const wasEnded = isEnded;
    if (!wasEnded) await sleep(FOLLOW_POLL_MS);
    lines = readLines(file);
    if (wasEnded && next >= lines.length) return;
  }
}
