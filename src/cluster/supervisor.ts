// The supervisord role: runs each component as a child process, restarts it when it dies (RestartBackoff), keeps a
// log file per component and a status file (pids, restarts) for `barque up`'s callers, and stops everything in the
// reverse of the start order: SIGTERM, then SIGKILL to the process group after a bound. Children run in their own
// process group so a terminal's Ctrl-C reaches only the supervisor, which then stops them in order.
import { spawn as spawnProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { RestartBackoff } from './backoff.ts';
import { systemClock, type SupervisorClock } from './clock.ts';
import { ComponentLog } from './component-log.ts';

/** Healthy when a line on stdout matches, or when a TCP port accepts connections. */
export type ReadyCheck = { line: RegExp } | { port: number; host?: string };

export interface ComponentSpec {
  name: string;
  command: string;
  args: string[];
  ready: ReadyCheck;
  env?: NodeJS.ProcessEnv;
}

/** What the supervisor needs of a child process (a ChildProcess; a fake in tests). */
export interface ChildLike {
  readonly pid?: number;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  once(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
  kill(signal: NodeJS.Signals): boolean;
}

export type Spawn = (spec: ComponentSpec) => ChildLike;

export type ComponentState = 'starting' | 'running' | 'backoff' | 'stopping' | 'stopped';

export interface ComponentStatus {
  name: string;
  state: ComponentState;
  pid: number | null;
  restarts: number;
  lastExit: string | null;
}

export interface SupervisorOptions {
  logDir: string;
  /** Written (JSON) on every change, for tests and `barque logs` users who want pids. */
  statusFile?: string;
  clock?: SupervisorClock;
  spawn?: Spawn;
  /** SIGTERM, then SIGKILL after this long. */
  stopTimeoutMs?: number;
  /** How often a port check polls. */
  pollMs?: number;
  onEvent?: (component: string, event: string) => void;
  /** SIGKILLs a child's whole process group (injected in tests, whose children are not processes). */
  killGroup?: (pid: number) => void;
}

const realSpawn: Spawn = (spec) =>
  spawnProcess(spec.command, spec.args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: spec.env ?? process.env });

interface Supervised {
  spec: ComponentSpec;
  log: ComponentLog;
  backoff: RestartBackoff;
  child: ChildLike | null;
  exited: Promise<void>;
  state: ComponentState;
  restarts: number;
  lastExit: string | null;
  ready: boolean;
  readyWaiters: (() => void)[];
  timer: unknown;
}

export class Supervisor {
  private readonly components: Supervised[] = [];
  private readonly clock: SupervisorClock;
  private readonly spawn: Spawn;
  /** Set by stopAll: no more restarts, whatever exits. */
  private closing = false;

  constructor(private readonly options: SupervisorOptions) {
    this.clock = options.clock ?? systemClock;
    this.spawn = options.spawn ?? realSpawn;
  }

  /** Starts a component (and keeps it running); resolves once it is first healthy. */
  async start(spec: ComponentSpec): Promise<void> {
    const c: Supervised = {
      spec,
      log: new ComponentLog(this.options.logDir, spec.name, () => this.clock.now()),
      backoff: new RestartBackoff(),
      child: null,
      exited: Promise.resolve(),
      state: 'starting',
      restarts: 0,
      lastExit: null,
      ready: false,
      readyWaiters: [],
      timer: undefined,
    };
    this.components.push(c);
    const ready = new Promise<void>((resolve) => c.readyWaiters.push(resolve));
    this.launch(c);
    await ready;
  }

  status(): ComponentStatus[] {
    return this.components.map((c) => ({ name: c.spec.name, state: c.state, pid: c.child?.pid ?? null, restarts: c.restarts, lastExit: c.lastExit }));
  }

  /** Stops every component, last started first. */
  async stopAll(): Promise<void> {
    this.closing = true;
    for (const c of [...this.components].reverse()) await this.stop(c);
    for (const c of this.components) await c.log.close();
  }

  private launch(c: Supervised): void {
    c.state = 'starting';
    c.ready = false;
    const child = this.spawn(c.spec);
    c.child = child;
    c.backoff.started(this.clock.now());
    c.log.event('started', { childPid: child.pid, restarts: c.restarts });
    this.emit(c, `started (pid ${child.pid ?? '?'})`);
    c.exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        c.lastExit = signal === null ? `exit ${code ?? '?'}` : `signal ${signal}`;
        c.child = null;
        resolve();
        this.onExit(c);
      });
    });
    const watch = (stream: Readable | null, name: 'stdout' | 'stderr'): void => {
      if (stream === null) return;
      createInterface({ input: stream }).on('line', (line) => {
        c.log.line(line, name);
        if (!c.ready && name === 'stdout' && 'line' in c.spec.ready && c.spec.ready.line.test(line)) this.markReady(c, child);
      });
    };
    watch(child.stdout, 'stdout');
    watch(child.stderr, 'stderr');
    if ('port' in c.spec.ready) this.pollPort(c, child, c.spec.ready.port, c.spec.ready.host ?? '127.0.0.1');
    this.writeStatus();
  }

  private pollPort(c: Supervised, child: ChildLike, port: number, host: string): void {
    if (c.child !== child || c.ready) return;
    const socket = connect({ port, host });
    const retry = (): void => {
      socket.destroy();
      c.timer = this.clock.setTimeout(() => this.pollPort(c, child, port, host), this.options.pollMs ?? 200);
    };
    socket.once('connect', () => {
      socket.destroy();
      if (c.child === child) this.markReady(c, child);
    });
    socket.once('error', retry);
  }

  private markReady(c: Supervised, child: ChildLike): void {
    if (c.child !== child || c.ready) return;
    c.ready = true;
    c.state = 'running';
    c.log.event('healthy', { childPid: child.pid });
    this.emit(c, 'healthy');
    for (const w of c.readyWaiters.splice(0)) w();
    this.writeStatus();
  }

  private onExit(c: Supervised): void {
    if (c.timer !== undefined) this.clock.clearTimeout(c.timer);
    c.timer = undefined;
    if (this.closing || c.state === 'stopping' || c.state === 'stopped') {
      c.state = 'stopped';
      c.log.event('stopped', { exit: c.lastExit });
      this.writeStatus();
      return;
    }
    const delay = c.backoff.exited(this.clock.now());
    c.state = 'backoff';
    c.log.event('exited; restarting', { exit: c.lastExit, delayMs: delay }, 40);
    this.emit(c, `exited (${c.lastExit ?? '?'}), restarting in ${delay} ms`);
    this.writeStatus();
    c.timer = this.clock.setTimeout(() => {
      c.timer = undefined;
      if (c.state !== 'backoff') return;
      c.restarts++;
      this.launch(c);
    }, delay);
  }

  private async stop(c: Supervised): Promise<void> {
    if (c.timer !== undefined) this.clock.clearTimeout(c.timer);
    c.timer = undefined;
    const child = c.child;
    c.state = 'stopping';
    if (child === null) {
      c.state = 'stopped';
      this.writeStatus();
      return;
    }
    this.emit(c, 'stopping');
    child.kill('SIGTERM');
    let killTimer: unknown;
    const killed = new Promise<void>((resolve) => {
      killTimer = this.clock.setTimeout(() => {
        c.log.event('did not stop in time; SIGKILL', {}, 40);
        this.killGroup(child);
        resolve();
      }, this.options.stopTimeoutMs ?? 10_000);
    });
    await Promise.race([c.exited, killed]);
    this.clock.clearTimeout(killTimer);
    await c.exited;
    // Whatever the component left behind in its process group (containers it failed to stop) goes too.
    this.killGroup(child);
  }

  private killGroup(child: ChildLike): void {
    if (child.pid !== undefined) (this.options.killGroup ?? killProcessGroup)(child.pid);
  }

  private emit(c: Supervised, event: string): void {
    this.options.onEvent?.(c.spec.name, event);
  }

  private writeStatus(): void {
    if (this.options.statusFile === undefined) return;
    writeFileSync(this.options.statusFile, `${JSON.stringify({ components: this.status() }, null, 2)}\n`);
  }
}

function killProcessGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // the group is already gone
  }
}
