// Test helpers for multi-process tests: what is still running, read from /proc.
import fs from 'node:fs';

function procEntries(): string[] {
  return fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e));
}

function readProc(pid: string, file: string): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined; // exited meanwhile
  }
}

/** Live processes whose command line is exactly `cmdline` (tests tag their processes with an odd sleep length). */
export function processesWith(cmdline: string): number[] {
  return procEntries()
    .filter((e) => readProc(e, 'cmdline')?.split('\0').join(' ').trim() === cmdline)
    .map(Number);
}

/** This process's children still alive (zombies awaiting their reap do not count). */
export function liveChildren(): number[] {
  return procEntries()
    .filter((e) => {
      const stat = readProc(e, 'stat');
      if (stat === undefined) return false;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(fields[1]) === process.pid && fields[0] !== 'Z';
    })
    .map(Number);
}
