// The supervisor's bookkeeping for one container of a pod: the current attempt, its state as the API shows it,
// and when each attempt ended (for `logs --follow`).
import type { Timer } from '../../client/clock.ts';
import { RestartBackOff, type BackOffPolicy } from './back-off.ts';
import type { ContainerHandle } from './container-driver.ts';
import type { ProbeWorker } from './probe-worker.ts';
import type { ContainerSpec, ContainerState, ContainerStatus } from './types.ts';

export class ContainerRecord {
  restartCount = 0;
  handle: ContainerHandle | null = null;
  state: ContainerState = { waiting: { reason: 'ContainerCreating' } };
  lastState: ContainerState | Record<string, never> = {};
  startedAtMs = 0;
  started = false;
  ready = false;
  /** True once an attempt has finished and no restart will follow (policy said no, or the pod is stopping). */
  done = false;
  restartTimer: Timer | null = null;
  /** The attempt being started, until it runs or failed to start. */
  launching: Promise<void> | null = null;
  probes: ProbeWorker[] = [];
  readonly backOff: RestartBackOff;
  private readonly attemptEnds = new Map<number, { promise: Promise<void>; resolve: () => void }>();

  constructor(
    readonly spec: ContainerSpec,
    backOff: BackOffPolicy,
  ) {
    this.backOff = new RestartBackOff(backOff);
  }

  /** Resolves when attempt `n` has exited (or never ran and never will). */
  attemptEnded(n: number): Promise<void> {
    let entry = this.attemptEnds.get(n);
    if (entry === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      entry = { promise, resolve };
      this.attemptEnds.set(n, entry);
    }
    return entry.promise;
  }

  endAttempt(n: number): void {
    void this.attemptEnded(n);
    this.attemptEnds.get(n)?.resolve();
  }

  stopProbes(): void {
    for (const p of this.probes) p.stop();
    this.probes = [];
  }

  status(): ContainerStatus {
    return {
      name: this.spec.name,
      image: this.spec.image,
      state: this.state,
      lastState: this.lastState,
      ready: this.ready,
      started: this.started,
      restartCount: this.restartCount,
    };
  }
}
