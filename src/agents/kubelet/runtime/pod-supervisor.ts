// One pod's containers, kept running as its spec says: starts each container, restarts it per restartPolicy with
// CrashLoopBackOff, runs its startup, liveness and readiness probes, and terminates gracefully (SIGTERM, then
// SIGKILL after the grace period). Driver-agnostic: the process and hollow runtimes share all of this.
import type { Clock } from '../../client/clock.ts';
import type { BackOffPolicy } from './back-off.ts';
import { ContainerRecord } from './container-record.ts';
import type { ContainerDriver, ContainerExit, ContainerHandle, ContainerLaunch, Sandbox } from './container-driver.ts';
import { ProbeWorker, probeTimings } from './probe-worker.ts';
import type { PodPhase, PodRuntimeStatus, Probe } from './types.ts';

const DEFAULT_GRACE_SECONDS = 30;

export class PodSupervisor {
  readonly containers: ContainerRecord[];
  private stopping = false;

  constructor(
    readonly sandbox: Sandbox,
    private readonly driver: ContainerDriver,
    private readonly clock: Clock,
    backOff: BackOffPolicy,
    private readonly changed: () => void,
  ) {
    this.containers = sandbox.request.spec.containers.map((c) => new ContainerRecord(c, backOff));
  }

  startAll(): void {
    for (const rec of this.containers) this.start(rec);
  }

  container(name: string): ContainerRecord | undefined {
    return this.containers.find((c) => c.spec.name === name);
  }

  launchOf(rec: ContainerRecord): ContainerLaunch {
    return { sandbox: this.sandbox, container: rec.spec, attempt: rec.restartCount };
  }

  status(): PodRuntimeStatus {
    const containers = this.containers.map((c) => c.status());
    return { uid: this.sandbox.request.pod.uid, podIP: this.sandbox.podIP, phase: this.phase(), containers };
  }

  /** Stops every container for good. Resolves when all have exited. */
  async stop(gracePeriodSeconds?: number): Promise<void> {
    this.stopping = true;
    const graceMs = (gracePeriodSeconds ?? this.sandbox.request.spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS) * 1000;
    await Promise.all(
      this.containers.map(async (rec) => {
        rec.restartTimer?.cancel();
        rec.restartTimer = null;
        if (rec.launching !== null) await rec.launching;
        if (rec.handle !== null) await this.terminate(rec.handle, graceMs);
        else if (!rec.done) this.finishWithoutRunning(rec);
      }),
    );
  }

  /** Starts the next attempt; rec.launching settles once it runs (rec.handle set) or failed to start. */
  private start(rec: ContainerRecord): void {
    const launching = this.launch(rec);
    rec.launching = launching;
    void launching.finally(() => {
      if (rec.launching === launching) rec.launching = null;
    });
  }

  private async launch(rec: ContainerRecord): Promise<void> {
    rec.restartTimer = null;
    if (this.stopping) return this.finishWithoutRunning(rec);
    const launch = this.launchOf(rec);
    let handle: ContainerHandle;
    try {
      handle = await this.driver.start(launch);
    } catch (err) {
      // The kubelet reports a container that cannot start as exit code 128, reason StartError, and backs off.
      const now = this.iso(this.clock.now());
      return this.onExit(rec, launch.attempt, { exitCode: 128 }, 'StartError', (err as Error).message, now);
    }
    // A stop that came while the driver was starting finds rec.launching and waits for this exit.
    if (this.stopping) handle.signal('SIGKILL');
    rec.handle = handle;
    rec.startedAtMs = this.clock.now();
    rec.state = { running: { startedAt: this.iso(rec.startedAtMs) } };
    if (!this.stopping) this.startProbes(rec, launch);
    this.changed();
    void handle.exited.then((exit) => {
      rec.handle = null;
      this.onExit(rec, launch.attempt, exit, exit.reason ?? (exit.exitCode === 0 ? 'Completed' : 'Error'), undefined, this.iso(rec.startedAtMs));
    });
  }

  private onExit(rec: ContainerRecord, attempt: number, exit: ContainerExit, reason: string, message: string | undefined, startedAt: string): void {
    rec.stopProbes();
    rec.ready = false;
    const finishedAtMs = this.clock.now();
    const terminated = {
      terminated: {
        exitCode: exit.exitCode,
        ...(exit.signal !== undefined ? { signal: exit.signal } : {}),
        reason,
        ...(message !== undefined ? { message } : {}),
        startedAt,
        finishedAt: this.iso(finishedAtMs),
      },
    };
    rec.endAttempt(attempt);
    if (this.stopping || !this.shouldRestart(exit.exitCode)) {
      rec.state = terminated;
      rec.done = true;
      this.changed();
      return;
    }
    rec.lastState = terminated;
    const delayMs = rec.backOff.next(finishedAtMs - (reason === 'StartError' ? finishedAtMs : rec.startedAtMs));
    const restart = (): void => {
      rec.restartCount++;
      this.start(rec);
    };
    if (delayMs === 0) {
      rec.state = { waiting: { reason: 'ContainerCreating' } };
      this.changed();
      restart();
      return;
    }
    const pod = this.sandbox.request.pod;
    rec.state = {
      waiting: {
        reason: 'CrashLoopBackOff',
        message: `back-off ${formatDuration(delayMs)} restarting failed container=${rec.spec.name} pod=${pod.name}_${pod.namespace}(${pod.uid})`,
      },
    };
    rec.restartTimer = this.clock.setTimer(delayMs, restart);
    this.changed();
  }

  private shouldRestart(exitCode: number): boolean {
    const policy = this.sandbox.request.spec.restartPolicy ?? 'Always';
    return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
  }

  private finishWithoutRunning(rec: ContainerRecord): void {
    rec.done = true;
    rec.endAttempt(rec.restartCount);
    this.changed();
  }

  private startProbes(rec: ContainerRecord, launch: ContainerLaunch): void {
    const spec = rec.spec;
    const worker = (probe: Probe, onResult: (ok: boolean) => void): ProbeWorker =>
      new ProbeWorker(this.clock, probeTimings(probe), (timeoutMs) => this.driver.probe(launch, probe, timeoutMs), onResult);
    const afterStarted = (): void => {
      rec.started = true;
      rec.ready = spec.readinessProbe === undefined;
      if (spec.livenessProbe !== undefined) rec.probes.push(worker(spec.livenessProbe, (ok) => ok || this.killUnhealthy(rec)));
      if (spec.readinessProbe !== undefined) {
        rec.probes.push(
          worker(spec.readinessProbe, (ok) => {
            rec.ready = ok;
            this.changed();
          }),
        );
      }
    };
    rec.started = false;
    rec.ready = false;
    if (spec.startupProbe === undefined) return afterStarted();
    rec.probes.push(
      worker(spec.startupProbe, (ok) => {
        if (!ok) return this.killUnhealthy(rec);
        rec.stopProbes();
        afterStarted();
        this.changed();
      }),
    );
  }

  /** A failed liveness or startup probe: the container is terminated gracefully and its restart policy applies. */
  private killUnhealthy(rec: ContainerRecord): void {
    rec.stopProbes();
    const graceMs = (this.sandbox.request.spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS) * 1000;
    if (rec.handle !== null) void this.terminate(rec.handle, graceMs);
  }

  private async terminate(handle: ContainerHandle, graceMs: number): Promise<void> {
    if (graceMs <= 0) {
      handle.signal('SIGKILL');
      await handle.exited;
      return;
    }
    handle.signal('SIGTERM');
    const timer = this.clock.setTimer(graceMs, () => handle.signal('SIGKILL'));
    await handle.exited;
    timer.cancel();
  }

  private phase(): PodPhase {
    const recs = this.containers;
    if (recs.every((r) => r.done && 'terminated' in r.state)) {
      return recs.every((r) => 'terminated' in r.state && r.state.terminated.exitCode === 0) ? 'Succeeded' : 'Failed';
    }
    if (recs.some((r) => 'running' in r.state || r.restartCount > 0 || 'terminated' in r.lastState || r.done)) return 'Running';
    return 'Pending';
  }

  private iso(ms: number): string {
    return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
}

/** "10s", "1m20s", "5m0s" as the kubelet's back-off message prints a Go duration. */
function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${s % 60}s`;
}
