// What differs between the process runtime and the hollow runtime: how one container attempt is started, signalled,
// probed, logged and measured. Everything above it (restart policy, back-off, probes' schedule, termination) is
// shared in pod-supervisor.ts, so both runtimes behave alike by construction.
import type { ContainerSpec, ContainerStats, ExecResult, ExecSession, ExecStreamOptions, LogOptions, Probe, RunPodRequest } from './types.ts';

export interface Sandbox {
  readonly request: RunPodRequest;
  readonly podIP: string;
}

export interface ContainerLaunch {
  readonly sandbox: Sandbox;
  readonly container: ContainerSpec;
  /** 0 for the first run, then the restart count at start: names the attempt's log. */
  readonly attempt: number;
}

export interface ContainerExit {
  exitCode: number;
  /** Set when a signal ended the process (exitCode is then 128 + signal number, as the kubelet reports). */
  signal?: string;
  /** Overrides the reason the supervisor would give (Completed or Error), e.g. OOMKilled. */
  reason?: string;
}

export interface ContainerHandle {
  readonly exited: Promise<ContainerExit>;
  /** Signals the container's whole process group; a no-op once it exited. */
  signal(signal: 'SIGTERM' | 'SIGKILL'): void;
  /** Joins the running container's streams (kubectl attach); absent where the runtime cannot. */
  attach?(stdin: boolean): ExecSession;
}

export interface ContainerDriver {
  createSandbox(sandbox: Sandbox): Promise<void>;
  /** Rejects when the container cannot start (bad command, missing volume…): the supervisor reports StartError. */
  start(launch: ContainerLaunch): Promise<ContainerHandle>;
  exec(launch: ContainerLaunch, command: string[], timeoutMs: number): Promise<ExecResult>;
  /** Rejects (with the reason as its message) when the command cannot start. */
  execStream(launch: ContainerLaunch, command: string[], options: ExecStreamOptions): Promise<ExecSession>;
  /** One probe attempt (exec, httpGet or tcpSocket): true on success. */
  probe(launch: ContainerLaunch, probe: Probe, timeoutMs: number): Promise<boolean>;
  /** Lines of one attempt's log; with options.follow, keeps going until `ended` resolves and the rest is read. */
  readLog(uid: string, container: string, attempt: number, options: LogOptions, ended: Promise<void>): AsyncIterable<string>;
  stats(launch: ContainerLaunch, handle: ContainerHandle): Promise<ContainerStats>;
  /** Deletes everything the sandbox left behind (logs, volumes). */
  removeSandbox(uid: string): Promise<void>;
  /** Ends whatever the driver still runs outside containers (exec sessions); called by Runtime.close. */
  close?(): void;
}
