// Containers without processes, for density tests (100+ hollow nodes in one process): each container plays its
// `barque/sim` steps on the injected clock, keeps its log in memory, answers probes from what it "serves", and can
// be made slow to start or to crash on cue. Any other image just runs until stopped.
import type { Clock, Timer } from '../../../client/clock.ts';
import type { ContainerDriver, ContainerExit, ContainerHandle, ContainerLaunch, Sandbox } from '../container-driver.ts';
import { containerEnv } from '../container-env.ts';
import { storedLine } from '../log-lines.ts';
import { isSimImage, parseSimStep, type SimStep } from '../sim-steps.ts';
import type { ContainerStats, ExecResult, ExecSession, ExecStreamOptions, LogOptions, Probe } from '../types.ts';
import { hollowExec, hollowExecSession } from './hollow-exec.ts';
import { MemoryLog } from './memory-log.ts';

export interface InjectedFailure {
  afterMs: number;
  exitCode: number;
}

export interface HollowDriverOptions {
  clock: Clock;
  /** Time from start() to running (an image pull and process start stand-in). Default 0. */
  startLatencyMs?: number;
  /** A failure to inject into one container attempt: it exits with `exitCode` after `afterMs` of running. */
  failure?: (launch: ContainerLaunch) => InjectedFailure | undefined;
  /** What stats() reports for every running container. */
  usageNanoCores?: number;
  workingSetBytes?: number;
}

class HollowContainer implements ContainerHandle {
  readonly exited: Promise<ContainerExit>;
  readonly ports = new Set<number>();
  private finish!: (exit: ContainerExit) => void;
  private timer: Timer | null = null;
  private failureTimer: Timer | null = null;
  private ignoreSigterm = false;
  private over = false;
  readonly startedAtMs: number;

  constructor(
    private readonly clock: Clock,
    private readonly steps: SimStep[],
    private readonly env: Map<string, string>,
    private readonly log: MemoryLog,
    failure: InjectedFailure | undefined,
  ) {
    this.exited = new Promise((resolve) => (this.finish = resolve));
    this.startedAtMs = clock.now();
    if (failure !== undefined) this.failureTimer = clock.setTimer(failure.afterMs, () => this.end({ exitCode: failure.exitCode }));
    this.runFrom(0);
  }

  signal(signal: 'SIGTERM' | 'SIGKILL'): void {
    if (signal === 'SIGKILL') this.end({ exitCode: 137, signal: 'SIGKILL' });
    else if (!this.ignoreSigterm) this.end({ exitCode: 143 });
  }

  private runFrom(index: number): void {
    for (let i = index; i < this.steps.length && !this.over; i++) {
      const step = this.steps[i];
      switch (step.kind) {
        case 'print':
          this.log.append(storedLine(this.clock.now(), step.text));
          break;
        case 'print-env':
          this.log.append(storedLine(this.clock.now(), `${step.name}=${this.env.get(step.name) ?? ''}`));
          break;
        case 'serve-http':
          this.ports.add(step.port);
          break;
        case 'ignore-sigterm':
          this.ignoreSigterm = true;
          break;
        case 'exit':
          return this.end({ exitCode: step.code });
        case 'sleep':
          if (step.seconds === Infinity) return;
          this.timer = this.clock.setTimer(step.seconds * 1000, () => this.runFrom(i + 1));
          return;
      }
    }
    if (this.ports.size === 0) this.end({ exitCode: 0 });
  }

  private end(exit: ContainerExit): void {
    if (this.over) return;
    this.over = true;
    this.ports.clear();
    this.timer?.cancel();
    this.failureTimer?.cancel();
    this.finish(exit);
  }
}

export class HollowDriver implements ContainerDriver {
  private readonly logs = new Map<string, MemoryLog>();
  private readonly running = new Map<string, HollowContainer>();

  constructor(private readonly options: HollowDriverOptions) {}

  async createSandbox(_sandbox: Sandbox): Promise<void> {}

  async start(launch: ContainerLaunch): Promise<ContainerHandle> {
    const spec = launch.container;
    const steps = isSimImage(spec.image) ? [...(spec.command ?? []), ...(spec.args ?? [])].map(parseSimStep) : [{ kind: 'sleep' as const, seconds: Infinity }];
    const latency = this.options.startLatencyMs ?? 0;
    if (latency > 0) await new Promise<void>((resolve) => this.options.clock.setTimer(latency, resolve));
    const key = logKey(launch.sandbox.request.pod.uid, spec.name, launch.attempt);
    const log = new MemoryLog();
    this.logs.set(key, log);
    const container = new HollowContainer(this.options.clock, steps, containerEnv(launch.sandbox, spec), log, this.options.failure?.(launch));
    const runningKey = logKey(launch.sandbox.request.pod.uid, spec.name, -1);
    this.running.set(runningKey, container);
    void container.exited.then(() => this.running.get(runningKey) === container && this.running.delete(runningKey));
    return container;
  }

  async exec(_launch: ContainerLaunch, command: string[], _timeoutMs: number): Promise<ExecResult> {
    return hollowExec(command);
  }

  async execStream(_launch: ContainerLaunch, command: string[], options: ExecStreamOptions): Promise<ExecSession> {
    return hollowExecSession(command, options);
  }

  async probe(launch: ContainerLaunch, probe: Probe, _timeoutMs: number): Promise<boolean> {
    if (probe.exec !== undefined) return hollowExec(probe.exec.command).exitCode === 0;
    const container = this.running.get(logKey(launch.sandbox.request.pod.uid, launch.container.name, -1));
    const port = probe.httpGet?.port ?? probe.tcpSocket?.port;
    const number = typeof port === 'number' ? port : launch.container.ports?.find((p) => p.name === port)?.containerPort;
    return container !== undefined && number !== undefined && container.ports.has(number);
  }

  readLog(uid: string, container: string, attempt: number, options: LogOptions, ended: Promise<void>): AsyncIterable<string> {
    const log = this.logs.get(logKey(uid, container, attempt)) ?? new MemoryLog();
    return log.read(options, ended);
  }

  async stats(launch: ContainerLaunch, _handle: ContainerHandle): Promise<ContainerStats> {
    const nanoCores = this.options.usageNanoCores ?? 1_000_000;
    const running = this.running.get(logKey(launch.sandbox.request.pod.uid, launch.container.name, -1));
    const ranNs = running === undefined ? 0 : (this.options.clock.now() - running.startedAtMs) * 1e6;
    return {
      name: launch.container.name,
      usageNanoCores: nanoCores,
      usageCoreNanoSeconds: Math.round((ranNs * nanoCores) / 1e9),
      workingSetBytes: this.options.workingSetBytes ?? 8 * 1024 * 1024,
    };
  }

  async removeSandbox(uid: string): Promise<void> {
    for (const key of [...this.logs.keys(), ...this.running.keys()]) {
      if (key.startsWith(`${uid}/`)) {
        this.logs.delete(key);
        this.running.delete(key);
      }
    }
  }
}

function logKey(uid: string, container: string, attempt: number): string {
  return `${uid}/${container}/${attempt}`;
}
