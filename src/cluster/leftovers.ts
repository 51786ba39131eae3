// Components left running by an `up` that was itself killed (SIGKILL, a crash): they sit in their own process
// groups holding the ports. The next `up` on the data directory finds them in status.json and ends their groups —
// only a pid that is still the leader of its group and still runs `bin/barque <that component>`, so a reused pid
// is never hit.
import { existsSync, readFileSync } from 'node:fs';

interface StatusFile {
  components?: { name: string; pid: number | null }[];
}

function runsComponent(pid: number, name: string): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command's closing parenthesis: state, ppid, pgrp.
    const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    const at = argv.findIndex((a) => a.endsWith('/bin/barque'));
    return pgrp === pid && at >= 0 && argv[at + 1] === name;
  } catch {
    return false;
  }
}

/** SIGKILLs the process groups of components a previous `up` left behind; returns their names. */
export function killLeftovers(statusFile: string): string[] {
  if (!existsSync(statusFile)) return [];
  let status: StatusFile;
  try {
    status = JSON.parse(readFileSync(statusFile, 'utf8')) as StatusFile;
  } catch {
    return [];
  }
  const killed: string[] = [];
  for (const c of status.components ?? []) {
    if (c.pid === null || !runsComponent(c.pid, c.name)) continue;
    try {
      process.kill(-c.pid, 'SIGKILL');
      killed.push(c.name);
    } catch {
      // gone meanwhile
    }
  }
  return killed;
}
