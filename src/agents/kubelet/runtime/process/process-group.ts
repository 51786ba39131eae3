// A child process in a process group of its own (detached: setsid), signalled as a group so that whatever it
// forked goes with it. When the leader exits, the rest of its group is killed: nothing is left orphaned.
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import type { ContainerExit } from '../container-driver.ts';

export interface GroupProcess {
  child: ChildProcess;
  pid: number;
  /** Resolves once the leader exited and its stdio closed. */
  closed: Promise<ContainerExit>;
  signal(signal: 'SIGTERM' | 'SIGKILL'): void;
}

export function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is gone already
  }
}

export function spawnGroup(argv: string[], options: { cwd: string; env: NodeJS.ProcessEnv; stdin?: boolean }): Promise<GroupProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { cwd: options.cwd, env: options.env, detached: true, stdio: [options.stdin === true ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    child.once('error', (err) => reject(err));
    child.once('spawn', () => {
      const pid = child.pid!;
      let exited = false;
      const closed = new Promise<ContainerExit>((resolveExit) => {
        child.once('exit', () => {
          exited = true;
          killGroup(pid, 'SIGKILL');
        });
        child.once('close', (code, signal) => {
          if (signal !== null) resolveExit({ exitCode: 128 + (os.constants.signals[signal] ?? 0), signal });
          else resolveExit({ exitCode: code ?? 0 });
        });
      });
      resolve({ child, pid, closed, signal: (sig) => exited || killGroup(pid, sig) });
    });
  });
}
