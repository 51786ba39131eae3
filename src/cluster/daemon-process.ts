// Starting and finding the detached cluster supervisor: `cluster up` spawns `bin/barque cluster supervise` in its
// own session (so it outlives the shell), with its output appended to <data-dir>/supervisor.log, and follows that
// file for progress until cluster.json says ready.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import type { ClusterLayout } from './cluster-layout.ts';
import { BARQUE_BIN } from '../common/repo-root.ts';


/** The running supervisor's pid: the pid file's, if that process still runs `barque cluster supervise`. */
export function runningSupervisor(layout: ClusterLayout): number | null {
  if (!existsSync(layout.pidFile)) return null;
  const pid = Number(readFileSync(layout.pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.includes('cluster') && argv.includes('supervise') ? pid : null;
  } catch {
    return null;
  }
}

export function spawnSupervisor(layout: ClusterLayout): number {
  const out = openSync(layout.supervisorLog, 'a');
  const child = spawn(process.execPath, [BARQUE_BIN, 'cluster', 'supervise', '--data-dir', layout.dataDir], { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  closeSync(out);
  if (child.pid === undefined) throw new Error('could not start the cluster supervisor');
  return child.pid;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Reads what was appended to a file since the last call. */
export class FileTail {
  private offset: number;

  constructor(private readonly path: string) {
    this.offset = existsSync(path) ? statSync(path).size : 0;
  }

  read(): string {
    if (!existsSync(this.path)) return '';
    const size = statSync(this.path).size;
    if (size <= this.offset) return '';
    const buf = Buffer.alloc(size - this.offset);
    const fd = openSync(this.path, 'r');
    try {
      readSync(fd, buf, 0, buf.length, this.offset);
    } finally {
      closeSync(fd);
    }
    this.offset = size;
    return buf.toString();
  }
}

export function clusterPhase(layout: ClusterLayout): { phase: string; supervisorPid: number } | null {
  try {
    return JSON.parse(readFileSync(layout.clusterFile, 'utf8')) as { phase: string; supervisorPid: number };
  } catch {
    return null;
  }
}
