// CPU seconds and peak RSS of a component's process tree, from /proc (Linux): utime + stime of /proc/<pid>/stat
// (clock ticks; the kernel's USER_HZ is 100 on every Linux this runs on) and VmHWM from /proc/<pid>/status.
// Snapshots before and after a phase give the CPU it used; VmHWM is the peak since each process started.
import { readFileSync } from 'node:fs';
import { peakRssKiB, processTree } from '../lib/index.ts';

const USER_HZ = 100;

export interface ComponentPid {
  /** "master-0/apiserver", "hollow-nodes", … */
  component: string;
  pid: number;
}

export interface ProcessSnapshot {
  component: string;
  pid: number;
  cpuSeconds: number | null;
  peakRssMiB: number | null;
}

export interface ComponentUsage {
  component: string;
  cpuSeconds: number | null;
  peakRssMiB: number | null;
}

/** utime + stime in seconds from /proc/<pid>/stat text; the command name may hold spaces and parentheses. */
export function parseCpuSeconds(statText: string): number | null {
  const fields = statText.slice(statText.lastIndexOf(')') + 2).split(' ');
  // After "pid (comm) ", field 3 (state) is index 0, so utime (14) and stime (15) are indexes 11 and 12.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null;
  return (utime + stime) / USER_HZ;
}

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

export function snapshot(pids: readonly ComponentPid[]): ProcessSnapshot[] {
  return pids.map(({ component, pid }) => {
    let rssKiB: number | null = null;
    for (const p of processTree(pid)) {
      const kib = peakRssKiB(p);
      if (kib !== null) rssKiB = (rssKiB ?? 0) + kib;
    }
    return { component, pid, cpuSeconds: treeCpuSeconds(pid), peakRssMiB: rssKiB === null ? null : rssKiB / 1024 };
  });
}

/** CPU used between two snapshots (a process restarted meanwhile counts from its new start), peak RSS at the end. */
export function usageBetween(before: readonly ProcessSnapshot[], after: readonly ProcessSnapshot[]): ComponentUsage[] {
  return after.map((a) => {
    const b = before.find((x) => x.component === a.component);
    const sameProcess = b !== undefined && b.pid === a.pid && b.cpuSeconds !== null;
    const cpu = a.cpuSeconds === null ? null : sameProcess ? a.cpuSeconds - (b.cpuSeconds as number) : a.cpuSeconds;
    return { component: a.component, cpuSeconds: cpu, peakRssMiB: a.peakRssMiB };
  });
}
