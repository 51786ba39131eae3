// CPU time of a process tree, from /proc (Linux): utime + stime of /proc/<pid>/stat, in clock ticks (the kernel's
// USER_HZ is 100 on every Linux this runs on), summed over the process and its descendants.
import { readFileSync } from 'node:fs';
import { processTree } from './process-memory.ts';

const USER_HZ = 100;

/** utime + stime in seconds from /proc/<pid>/stat text; the command name may hold spaces and parentheses. */
export function parseCpuSeconds(statText: string): number | null {
  const fields = statText.slice(statText.lastIndexOf(')') + 2).split(' ');
  // After "pid (comm) ", field 3 (state) is index 0, so utime (14) and stime (15) are indexes 11 and 12.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null;
  return (utime + stime) / USER_HZ;
}

/** CPU seconds used so far by the process and its descendants, or null if it is gone. */
export function treeCpuSeconds(rootPid: number): number | null {
  let total: number | null = null;
  for (const pid of processTree(rootPid)) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue;
    }
    const seconds = parseCpuSeconds(text);
    if (seconds !== null) total = (total ?? 0) + seconds;
  }
  return total;
}
