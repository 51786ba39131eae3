// Containers as real child processes: one process group per container attempt, its argv from the image convention
// (image-command.ts), its environment from container-env.ts plus the volume variables, its output in a log file
// per attempt, and its memory limit enforced by watching the group's resident memory (no cgroups without root).
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../../../../common/logger.ts';
import { sampleProcessGroup, UsageMeter } from '../../stats/index.ts';
import type { ContainerDriver, ContainerExit, ContainerHandle, ContainerLaunch, Sandbox } from '../container-driver.ts';
import { containerEnv } from '../container-env.ts';
import { parseMemoryQuantity } from '../quantity.ts';
import type { ContainerStats, ExecResult, ExecSession, ExecStreamOptions, LogOptions, Probe } from '../types.ts';
import { readLog, writeLog } from './file-log.ts';
import { containerArgv } from './image-command.ts';
import { httpProbe, resolvePort, tcpProbe } from './probe-checks.ts';
import { POD_UID_ENV } from './leftovers.ts';
import { killGroup, spawnGroup, type GroupProcess } from './process-group.ts';
import { AttachHub } from '../attach-hub.ts';
import { containerDir, createVolumes, podDir, prepareContainerFs } from './volumes.ts';

export interface ProcessDriverOptions {
  /** Pods live under <root>/pods/<uid>/. */
  root: string;
  logger: Logger;
  /** How often a container with a memory limit has its resident memory checked. Default 1 s. */
  memoryCheckIntervalMs?: number;
}

interface ProcessHandle extends ContainerHandle {
  pid: number;
  meter: UsageMeter;
}

export class ProcessDriver implements ContainerDriver {
  private readonly execGroups = new Set<number>();

  constructor(private readonly options: ProcessDriverOptions) {}

  async createSandbox(sandbox: Sandbox): Promise<void> {
    await fs.mkdir(podDir(this.options.root, sandbox.request.pod.uid), { recursive: true });
    await createVolumes(this.options.root, sandbox);
  }

  async start(launch: ContainerLaunch): Promise<ContainerHandle> {
    const { root } = this.options;
    const { sandbox, container, attempt } = launch;
    const uid = sandbox.request.pod.uid;
    const argv = containerArgv(container);
    const fsView = await prepareContainerFs(root, sandbox, container);
    const env = containerEnv(sandbox, container, fsView.env);
    const expanded = argv.map((a) => a.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => env.get(name) ?? whole));
    const logFile = path.join(containerDir(root, uid, container.name), `${attempt}.log`);
    await fs.mkdir(path.dirname(logFile), { recursive: true });
    env.set(POD_UID_ENV, uid);
    // stdin: true keeps an input open for attaching clients; with tty: true it is a terminal's (`script`).
    const interactive = container.stdin === true;
    const terminal = interactive && container.tty === true;
    const group = await spawnGroup(terminal ? withTerminal(expanded) : expanded, { cwd: fsView.cwd, env: { ...processEnv(env, fsView.cwd), ...(terminal ? TERMINAL_ENV : {}) }, stdin: interactive });
    // Attach the log readers before any await: a child that exits meanwhile has its unread stdio drained and
    // closed by Node, and a reader attached after that would wait for a 'close' that already happened.
    const logged = writeLog(logFile, [group.child.stdout!, group.child.stderr!]);
    group.child.stdin?.on('error', () => {});
    const hub = new AttachHub(group.child.stdin ?? undefined, group.child.stdout!, group.child.stderr!, container.stdinOnce === true, group.closed);
    const pgidFile = path.join(containerDir(root, uid, container.name), `${attempt}.pgid`);
    await fs.writeFile(pgidFile, String(group.pid));
    let oomKilled = false;
    const limit = parseMemoryQuantity(container.resources?.limits?.memory ?? '');
    const watch =
      limit === undefined
        ? undefined
        : setInterval(() => {
            if (sampleProcessGroup(group.pid).rssBytes <= limit) return;
            oomKilled = true;
            killGroup(group.pid, 'SIGKILL');
          }, this.options.memoryCheckIntervalMs ?? 1000);
    const exited = group.closed.then(async (exit): Promise<ContainerExit> => {
      clearInterval(watch);
      await logged;
      await fs.rm(pgidFile, { force: true });
      return oomKilled ? { ...exit, reason: 'OOMKilled' } : exit;
    });
    this.options.logger.debug({ uid, container: container.name, attempt, pid: group.pid, argv: expanded }, 'container started');
    const handle: ProcessHandle = { exited, pid: group.pid, meter: new UsageMeter(() => Date.now()), signal: (sig) => group.signal(sig), attach: (stdin) => hub.attach(stdin) };
    return handle;
  }

  /** A command run to its end with its output collected (exec probes): execStream, bounded by `timeoutMs`. */
  async exec(launch: ContainerLaunch, command: string[], timeoutMs: number): Promise<ExecResult> {
    const session = await this.execStream(launch, command, { stdin: false, tty: false });
    let stdout = '';
    let stderr = '';
    session.stdout.on('data', (d) => (stdout += String(d)));
    session.stderr.on('data', (d) => (stderr += String(d)));
    const timer = setTimeout(() => session.kill(), timeoutMs);
    const exitCode = await session.exited;
    clearTimeout(timer);
    return { exitCode, stdout, stderr };
  }

  async execStream(launch: ContainerLaunch, command: string[], options: ExecStreamOptions): Promise<ExecSession> {
    const fsView = await prepareContainerFs(this.options.root, launch.sandbox, launch.container);
    const env = containerEnv(launch.sandbox, launch.container, fsView.env);
    let group: GroupProcess;
    try {
      group = await spawnGroup(options.tty ? withTerminal(command) : command, { cwd: fsView.cwd, env: { ...processEnv(env, fsView.cwd), ...(options.tty ? TERMINAL_ENV : {}) }, stdin: options.stdin });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Go's wording, as a runtime's exec reports it.
      if (code === 'ENOENT') throw new Error(`exec: "${command[0]}": executable file not found in $PATH`, { cause: err });
      if (code === 'EACCES') throw new Error(`exec: "${command[0]}": permission denied`, { cause: err });
      throw err;
    }
    this.execGroups.add(group.pid);
    const exited = group.closed.then((exit) => {
      this.execGroups.delete(group.pid);
      return exit.exitCode;
    });
    // A client that stops reading our stdin pipe early (the command exited) must not crash the agent.
    group.child.stdin?.on('error', () => {});
    return { stdin: group.child.stdin ?? undefined, stdout: group.child.stdout!, stderr: group.child.stderr!, exited, kill: () => group.signal('SIGKILL') };
  }

  async probe(launch: ContainerLaunch, probe: Probe, timeoutMs: number): Promise<boolean> {
    if (probe.exec !== undefined) return (await this.exec(launch, probe.exec.command, timeoutMs)).exitCode === 0;
    const action = probe.httpGet ?? probe.tcpSocket;
    if (action === undefined) return false;
    const port = resolvePort(action.port, launch.container);
    if (port === undefined) return false;
    const host = action.host ?? launch.sandbox.podIP;
    return probe.httpGet !== undefined ? httpProbe(host, port, probe.httpGet, timeoutMs) : tcpProbe(host, port, timeoutMs);
  }

  readLog(uid: string, container: string, attempt: number, options: LogOptions, ended: Promise<void>): AsyncIterable<string> {
    return readLog(path.join(containerDir(this.options.root, uid, container), `${attempt}.log`), options, ended);
  }

  async stats(launch: ContainerLaunch, handle: ContainerHandle): Promise<ContainerStats> {
    const h = handle as ProcessHandle;
    const sample = sampleProcessGroup(h.pid);
    return { name: launch.container.name, ...h.meter.record(sample.cpuNs), workingSetBytes: sample.rssBytes };
  }

  async removeSandbox(uid: string): Promise<void> {
    await fs.rm(podDir(this.options.root, uid), { recursive: true, force: true });
  }

  /** Kills exec processes still running (on shutdown). */
  close(): void {
    for (const pgid of this.execGroups) killGroup(pgid, 'SIGKILL');
  }
}

const TERMINAL_ENV = { SHELL: '/bin/sh', TERM: 'xterm' };

/**
 * A terminal for `kubectl exec -t` and `run -t`: util-linux `script` runs the command on a pseudo-terminal (echo, line editing,
 * a shell's prompt) and exits with its status. Without `script` the command runs on plain pipes.
 */
function withTerminal(command: string[]): string[] {
  const script = ['/usr/bin/script', '/bin/script'].find((p) => existsSync(p));
  if (script === undefined) return command;
  return [script, '--quiet', '--flush', '--return', '--command', command.map(shellQuote).join(' '), '/dev/null'];
}

function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Only what the container is given, plus PATH (to find its programs) and HOME: never the kubelet's own env. */
function processEnv(env: Map<string, string>, home: string): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', HOME: home, ...Object.fromEntries(env) };
}
