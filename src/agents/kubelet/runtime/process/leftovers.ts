// Containers outlive a kubelet that crashed (their process groups are detached on purpose). Each attempt leaves a
// `<attempt>.pgid` file beside its log while it runs; a restarted kubelet calls reapLeftovers() to kill those groups
// before it starts pods again. A group is only killed when one of its processes still carries the pod's uid in
// BARQUE_POD_UID, so a process group id reused by something else since is left alone.
import fs from 'node:fs';
import path from 'node:path';
import { killGroup } from './process-group.ts';

export const POD_UID_ENV = 'BARQUE_POD_UID';

function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === pgid) members.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return members;
}

function carriesUid(pid: number, uid: string): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`${POD_UID_ENV}=${uid}`);
  } catch {
    return false;
  }
}

/** Kills the process groups of containers a previous kubelet left running under `root`; returns how many. */
export function reapLeftovers(root: string): number {
  const podsDir = path.join(root, 'pods');
  if (!fs.existsSync(podsDir)) return 0;
  let killed = 0;
  for (const uid of fs.readdirSync(podsDir)) {
    for (const container of fs.readdirSync(path.join(podsDir, uid))) {
      const dir = path.join(podsDir, uid, container);
      if (!fs.statSync(dir).isDirectory()) continue;
      for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.pgid'))) {
        const pgid = Number(fs.readFileSync(path.join(dir, file), 'utf8'));
        if (Number.isInteger(pgid) && pgid > 1 && groupMembers(pgid).some((pid) => carriesUid(pid, uid))) {
          killGroup(pgid, 'SIGKILL');
          killed++;
        }
        fs.rmSync(path.join(dir, file), { force: true });
      }
    }
  }
  return killed;
}
