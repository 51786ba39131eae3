// Reading /proc (the cAdvisor role without cgroups): the CPU time and resident memory of every process in a
// process group. Each container is a process group of its own, so a group is a container.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

export interface GroupSample {
  pids: number[];
  /** user + system CPU time of the group's live processes, in nanoseconds. */
  cpuNs: number;
  rssBytes: number;
}

let cachedUnits: { ticksPerSecond: number; pageBytes: number } | undefined;

/** USER_HZ and the page size; Linux on x86-64 and arm64 has 100 and 4096, asked once to be sure. */
function units(): { ticksPerSecond: number; pageBytes: number } {
  if (cachedUnits !== undefined) return cachedUnits;
  const ask = (name: string, fallback: number): number => {
    try {
      const n = Number(execFileSync('getconf', [name], { encoding: 'utf8' }).trim());
      return n > 0 ? n : fallback;
    } catch {
      return fallback;
    }
  };
  cachedUnits = { ticksPerSecond: ask('CLK_TCK', 100), pageBytes: ask('PAGESIZE', 4096) };
  return cachedUnits;
}

interface ProcStat {
  pid: number;
  pgrp: number;
  ticks: number;
  rssPages: number;
}

/** Parses /proc/<pid>/stat; the command name may hold spaces and parentheses, so fields count from the last ")". */
export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const pid = Number(text.slice(0, text.indexOf(' ')));
  const fields = text.slice(close + 2).split(' ');
  // fields[0] is field 3 (state): pgrp is field 5, utime 14, stime 15, rss 24.
  const [pgrp, utime, stime, rss] = [fields[2], fields[11], fields[12], fields[21]].map(Number);
  if (![pid, pgrp, utime, stime, rss].every(Number.isFinite)) return undefined;
  return { pid, pgrp, ticks: utime + stime, rssPages: rss };
}

export function sampleProcessGroup(pgid: number): GroupSample {
  const { ticksPerSecond, pageBytes } = units();
  const sample: GroupSample = { pids: [], cpuNs: 0, rssBytes: 0 };
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let text: string;
    try {
      text = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone between readdir and read
    }
    const stat = parseProcStat(text);
    if (stat === undefined || stat.pgrp !== pgid) continue;
    sample.pids.push(stat.pid);
    sample.cpuNs += (stat.ticks * 1e9) / ticksPerSecond;
    sample.rssBytes += stat.rssPages * pageBytes;
  }
  return sample;
}

export interface MachineSample {
  /** CPU time spent not idle, all cores, in nanoseconds. */
  busyCpuNs: number;
  memoryTotalBytes: number;
  /** MemTotal − MemAvailable, what `kubectl top nodes` calls memory use. */
  memoryWorkingSetBytes: number;
}

export function sampleMachine(): MachineSample {
  const { ticksPerSecond } = units();
  const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/\s+/).slice(1).map(Number);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  const total = cpu.slice(0, 8).reduce((a, b) => a + (b || 0), 0);
  const mem = new Map(
    fs
      .readFileSync('/proc/meminfo', 'utf8')
      .split('\n')
      .map((l) => /^(\w+):\s+(\d+)/.exec(l))
      .filter((m) => m !== null)
      .map((m) => [m[1], Number(m[2]) * 1024] as const),
  );
  const memTotal = mem.get('MemTotal') ?? 0;
  return { busyCpuNs: ((total - idle) * 1e9) / ticksPerSecond, memoryTotalBytes: memTotal, memoryWorkingSetBytes: memTotal - (mem.get('MemAvailable') ?? 0) };
}
