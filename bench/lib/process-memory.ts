// Peak resident memory of a process tree, from /proc (Linux): VmHWM of the process and of every descendant,
// summed. A member may be one process (etcd) or a node process with helpers; either way the whole tree counts.
import { readdirSync, readFileSync } from 'node:fs';

/** VmHWM of one process in KiB, or null if it is gone or /proc has no such field. */
export function peakRssKiB(pid: number): number | null {
  return statusField(pid, 'VmHWM');
}

/** The pid and every descendant's pid (one /proc scan). */
export function processTree(rootPid: number): number[] {
  const childrenOf = new Map<number, number[]>();
  for (const entry of safeReaddir('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const ppid = statusField(pid, 'PPid');
    if (ppid === null) continue;
    const list = childrenOf.get(ppid) ?? [];
    list.push(pid);
    childrenOf.set(ppid, list);
  }
  const out: number[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    out.push(pid);
    queue.push(...(childrenOf.get(pid) ?? []));
  }
  return out;
}

/** Sum of VmHWM over the tree, in KiB; null when the root process is gone. */
export function treePeakRssKiB(rootPid: number): number | null {
  if (peakRssKiB(rootPid) === null) return null;
  let total = 0;
  for (const pid of processTree(rootPid)) total += peakRssKiB(pid) ?? 0;
  return total;
}

/** Parses one numeric field ("VmHWM:\t  12345 kB") out of /proc/<pid>/status text. */
export function parseStatusField(statusText: string, field: string): number | null {
  const match = new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(statusText);
  return match === null ? null : Number(match[1]);
}

function statusField(pid: number, field: string): number | null {
  try {
    return parseStatusField(readFileSync(`/proc/${pid}/status`, 'utf8'), field);
  } catch {
    return null;
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
