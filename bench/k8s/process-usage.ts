// CPU seconds and peak RSS of a component's process tree, from /proc (Linux; bench/lib reads them). Snapshots
// before and after a phase give the CPU it used; VmHWM is the peak since each process started.
import { peakRssKiB, processTree, treeCpuSeconds } from '../lib/index.ts';

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
