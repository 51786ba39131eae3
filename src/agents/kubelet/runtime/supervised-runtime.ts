// The Runtime both implementations are: pod IPs from the node's allocator, one PodSupervisor per pod, and a
// ContainerDriver that makes containers real (processes) or not (hollow).
import type { Clock } from '../../client/clock.ts';
import type { PodAddressAllocator } from '../pod-network/index.ts';
import { kubeletBackOff, type BackOffPolicy } from './back-off.ts';
import type { ContainerDriver } from './container-driver.ts';
import { containerNotFound, podNotFound, previousNotFound, RuntimeError, waitingToStart } from './errors.ts';
import { PodSupervisor } from './pod-supervisor.ts';
import type { Runtime } from './runtime.ts';
import type { ExecResult, ExecSession, ExecStreamOptions, LogOptions, PodRuntimeStatus, PodStats, RunPodRequest } from './types.ts';

export interface SupervisedRuntimeOptions {
  driver: ContainerDriver;
  addresses: PodAddressAllocator;
  clock: Clock;
  /** Defaults to the kubelet's: 10 s doubling to 5 min, reset after 10 min. */
  backOff?: BackOffPolicy;
}

export class SupervisedRuntime implements Runtime {
  private readonly pods = new Map<string, PodSupervisor>();
  private readonly starting = new Map<string, Promise<PodRuntimeStatus>>();
  private readonly listeners = new Set<(uid: string) => void>();
  private readonly driver: ContainerDriver;

  constructor(private readonly options: SupervisedRuntimeOptions) {
    this.driver = options.driver;
  }

  runPod(request: RunPodRequest): Promise<PodRuntimeStatus> {
    const uid = request.pod.uid;
    const existing = this.pods.get(uid);
    if (existing !== undefined) return Promise.resolve(existing.status());
    const pending = this.starting.get(uid);
    if (pending !== undefined) return pending;
    const started = this.createPod(request).finally(() => this.starting.delete(uid));
    this.starting.set(uid, started);
    return started;
  }

  podStatus(uid: string): PodRuntimeStatus | undefined {
    return this.pods.get(uid)?.status();
  }

  listPods(): PodRuntimeStatus[] {
    return [...this.pods.values()].map((p) => p.status());
  }

  killContainer(uid: string, container: string, signal: 'SIGTERM' | 'SIGKILL' = 'SIGKILL'): void {
    const { rec } = this.find(uid, container);
    rec.handle?.signal(signal);
  }

  async stopPod(uid: string, gracePeriodSeconds?: number): Promise<void> {
    await this.starting.get(uid)?.catch(() => undefined);
    await this.pods.get(uid)?.stop(gracePeriodSeconds);
  }

  async removePod(uid: string, gracePeriodSeconds?: number): Promise<void> {
    await this.stopPod(uid, gracePeriodSeconds);
    if (!this.pods.delete(uid)) return;
    await this.driver.removeSandbox(uid);
    this.options.addresses.release(uid);
    this.emit(uid);
  }

  readLogs(uid: string, container: string, options: LogOptions = {}): AsyncIterable<string> {
    const { pod, rec } = this.find(uid, container);
    // Attempt n logs to its own file; restartCount names the newest (running, or dead and backing off).
    const attempt = options.previous === true ? rec.restartCount - 1 : rec.restartCount;
    if (attempt < 0) throw previousNotFound(container, pod.sandbox.request.pod.name);
    if (rec.restartCount === 0 && rec.handle === null && 'waiting' in rec.state) {
      throw waitingToStart(container, pod.sandbox.request.pod.name, rec.state.waiting.reason);
    }
    return this.driver.readLog(uid, container, attempt, options, rec.attemptEnded(attempt));
  }

  async exec(uid: string, container: string, command: string[], timeoutMs = 60_000): Promise<ExecResult> {
    const { pod, rec } = this.find(uid, container);
    if (rec.handle === null) {
      throw new RuntimeError('BadRequest', `container ${container} is not running in pod ${pod.sandbox.request.pod.name}`);
    }
    return this.driver.exec(pod.launchOf(rec), command, timeoutMs);
  }

  async execStream(uid: string, container: string, command: string[], options: ExecStreamOptions): Promise<ExecSession> {
    const { pod, rec } = this.find(uid, container);
    if (rec.handle === null) {
      throw new RuntimeError('BadRequest', `container ${container} is not running in pod ${pod.sandbox.request.pod.name}`);
    }
    if (command.length === 0) throw new RuntimeError('BadRequest', 'you must specify at least one command for the container');
    try {
      return await this.driver.execStream(pod.launchOf(rec), command, options);
    } catch (err) {
      throw new RuntimeError('Internal', `error executing command in container: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  async attach(uid: string, container: string, options: { stdin: boolean }): Promise<ExecSession> {
    const { pod, rec } = this.find(uid, container);
    if (rec.handle === null) {
      throw new RuntimeError('BadRequest', `container ${container} is not running in pod ${pod.sandbox.request.pod.name}`);
    }
    if (rec.handle.attach === undefined) throw new RuntimeError('BadRequest', `attaching to container ${container} is not supported by this node's runtime`);
    return rec.handle.attach(options.stdin);
  }

  async stats(uid: string): Promise<PodStats> {
    const pod = this.pods.get(uid);
    if (pod === undefined) throw podNotFound(uid);
    const containers = [];
    for (const rec of pod.containers) {
      const handle = rec.handle;
      if (handle !== null) containers.push(await this.driver.stats(pod.launchOf(rec), handle));
    }
    return { uid, containers };
  }

  onPodChange(listener: (uid: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    await Promise.all([...this.starting.keys(), ...this.pods.keys()].map((uid) => this.removePod(uid, 0)));
    this.driver.close?.();
  }

  private async createPod(request: RunPodRequest): Promise<PodRuntimeStatus> {
    const uid = request.pod.uid;
    const podIP = this.options.addresses.allocate(uid);
    const sandbox = { request, podIP };
    try {
      await this.driver.createSandbox(sandbox);
    } catch (err) {
      this.options.addresses.release(uid);
      await this.driver.removeSandbox(uid).catch(() => undefined);
      throw err;
    }
    const pod = new PodSupervisor(sandbox, this.driver, this.options.clock, this.options.backOff ?? kubeletBackOff, () => this.emit(uid));
    this.pods.set(uid, pod);
    pod.startAll();
    return pod.status();
  }

  private find(uid: string, container: string) {
    const pod = this.pods.get(uid);
    if (pod === undefined) throw podNotFound(uid);
    const rec = pod.container(container);
    if (rec === undefined) throw containerNotFound(container, pod.sandbox.request.pod.name);
    return { pod, rec };
  }

  private emit(uid: string): void {
    for (const l of this.listeners) l(uid);
  }
}
