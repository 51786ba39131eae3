// Leader election on a Lease, as client-go's leaderelection package: candidates try to acquire the lease every retry
// period (jittered); the holder renews it every retry period and gives up leadership if it could not renew for the
// renew deadline; a lease whose record has not changed for its leaseDurationSeconds (measured on the candidate's own
// clock, from when it last saw the record change — clocks are never compared across machines) may be taken over.
// A graceful stop releases the lease (empty holder, 1 s duration) so a successor need not wait for expiry.
//
// Safety rests on the renew deadline being shorter than the lease duration: a leader that cannot renew stops acting
// before any candidate can consider the lease expired.
import type { Logger } from '../../common/logger.ts';
import { silentLogger } from '../../common/logger.ts';
import { Sleeper, type Clock } from './clock.ts';
import type { LeaderElectionRecord, ObservedLease, ResourceLock } from './lease-lock.ts';

export interface LeaderCallbacks {
  /** This candidate leads from now until onStoppedLeading. */
  onStartedLeading(): void;
  /** Leadership lost (renew deadline passed) or given up (stop). Stop acting now. */
  onStoppedLeading(): void;
  /** Someone (maybe this candidate) was observed holding the lease for the first time. */
  onNewLeader?(identity: string): void;
}

export interface LeaderElectionConfig {
  lock: ResourceLock;
  identity: string;
  callbacks: LeaderCallbacks;
  clock: Clock;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Release the lease on stop() (default true). */
  releaseOnCancel?: boolean;
  /** In [0, 1): the acquire loop waits retryPeriod × (1 + 1.2 × rng()), as client-go's JitterFactor 1.2. */
  rng?: () => number;
  logger?: Logger;
}

export const DEFAULT_LEASE_DURATION_MS = 15_000;
export const DEFAULT_RENEW_DEADLINE_MS = 10_000;
export const DEFAULT_RETRY_PERIOD_MS = 2_000;
const JITTER_FACTOR = 1.2;

export class LeaderElector {
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly sleeper: Sleeper;
  private readonly logger: Logger;
  private observed: ObservedLease | null = null;
  private observedTime = 0;
  private reportedLeader = '';
  private leading = false;
  private stopped = false;
  private running: Promise<void> | null = null;

  constructor(private readonly config: LeaderElectionConfig) {
    this.leaseDurationMs = config.leaseDurationMs ?? DEFAULT_LEASE_DURATION_MS;
    this.renewDeadlineMs = config.renewDeadlineMs ?? DEFAULT_RENEW_DEADLINE_MS;
    this.retryPeriodMs = config.retryPeriodMs ?? DEFAULT_RETRY_PERIOD_MS;
    if (!(this.leaseDurationMs > this.renewDeadlineMs)) throw new Error('leaseDuration must be greater than renewDeadline');
    if (!(this.renewDeadlineMs > JITTER_FACTOR * this.retryPeriodMs)) throw new Error('renewDeadline must be greater than retryPeriod*JitterFactor');
    if (this.leaseDurationMs % 1000 !== 0) throw new Error('leaseDuration must be whole seconds (leaseDurationSeconds)');
    this.sleeper = new Sleeper(config.clock);
    this.logger = (config.logger ?? silentLogger()).child({ lease: config.lock.describe(), identity: config.identity });
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** The holder last observed ("" when none). */
  getLeader(): string {
    return this.observed?.record.holderIdentity ?? '';
  }

  /** Acquires, then leads until leadership is lost or stop() is called. Resolves when done; run once. */
  run(): Promise<void> {
    this.running ??= this.loop();
    return this.running;
  }

  /** Stops campaigning or leading; releases the lease when leading (unless releaseOnCancel is false). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.sleeper.wake();
    await this.running;
  }

  private async loop(): Promise<void> {
    if (!(await this.acquire())) return;
    this.leading = true;
    this.logger.info('became leader');
    this.config.callbacks.onStartedLeading();
    await this.renewUntilLost();
    this.leading = false;
    if (this.stopped && (this.config.releaseOnCancel ?? true)) await this.release();
    this.config.callbacks.onStoppedLeading();
  }

  private async acquire(): Promise<boolean> {
    const rng = this.config.rng ?? Math.random;
    while (!this.stopped) {
      if (await this.tryAcquireOrRenew()) return true;
      await this.sleeper.sleep(this.retryPeriodMs * (1 + JITTER_FACTOR * rng()));
    }
    return false;
  }

  private async renewUntilLost(): Promise<void> {
    const clock = this.config.clock;
    let lastRenew = clock.now();
    while (!this.stopped) {
      await this.sleeper.sleep(this.retryPeriodMs);
      if (this.stopped) return;
      // A call that hangs must not keep us leading past the deadline: the attempt gets only the time left.
      const deadline = lastRenew + this.renewDeadlineMs;
      if (await this.within(deadline - clock.now(), this.tryAcquireOrRenew())) {
        lastRenew = clock.now();
      } else if (clock.now() >= deadline) {
        this.logger.warn('failed to renew the lease within the renew deadline');
        return;
      }
    }
  }

  /** `attempt`'s result, or false once `ms` have passed. */
  private within(ms: number, attempt: Promise<boolean>): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = this.config.clock.setTimer(Math.max(0, ms), () => resolve(false));
      void attempt.then((ok) => {
        timer.cancel();
        resolve(ok);
      });
    });
  }

  /** One round: take the lease if free or expired, renew it if ours. Never throws (a failed call is "not now"). */
  async tryAcquireOrRenew(): Promise<boolean> {
    const clock = this.config.clock;
    const now = clock.now();
    const record: LeaderElectionRecord = {
      holderIdentity: this.config.identity,
      leaseDurationSeconds: this.leaseDurationMs / 1000,
      acquireTime: now,
      renewTime: now,
      leaseTransitions: 0,
    };
    try {
      const current = await this.config.lock.get();
      if (current === null) {
        if (!(await this.config.lock.create(record))) return false;
        this.observe({ record, resourceVersion: '' }, clock.now());
        return true;
      }
      // The expiry clock restarts whenever the record changes (as seen here), never from the record's own times.
      if (this.observed === null || !sameRecord(this.observed.record, current.record)) this.observe(current, now);
      const held = current.record.holderIdentity;
      const mine = held === this.config.identity;
      const valid = this.observedTime + current.record.leaseDurationSeconds * 1000 > now;
      if (held !== '' && valid && !mine) return false;
      if (mine) {
        record.acquireTime = current.record.acquireTime;
        record.leaseTransitions = current.record.leaseTransitions;
      } else {
        record.leaseTransitions = current.record.leaseTransitions + 1;
      }
      if (!(await this.config.lock.update(current, record))) return false;
      this.observe({ record, resourceVersion: '' }, clock.now());
      return true;
    } catch (err) {
      this.logger.warn({ err: String(err) }, 'lease read or write failed');
      return false;
    }
  }

  private async release(): Promise<void> {
    if (this.observed === null || this.observed.record.holderIdentity !== this.config.identity) return;
    try {
      const current = await this.config.lock.get();
      if (current === null || current.record.holderIdentity !== this.config.identity) return;
      const now = this.config.clock.now();
      const released: LeaderElectionRecord = { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: current.record.leaseTransitions };
      if (await this.config.lock.update(current, released)) this.logger.info('released the lease');
    } catch (err) {
      this.logger.warn({ err: String(err) }, 'failed to release the lease');
    }
  }

  private observe(lease: ObservedLease, at: number): void {
    this.observed = lease;
    this.observedTime = at;
    const holder = lease.record.holderIdentity;
    if (holder !== '' && holder !== this.reportedLeader) {
      this.reportedLeader = holder;
      this.config.callbacks.onNewLeader?.(holder);
    }
  }
}

function sameRecord(a: LeaderElectionRecord, b: LeaderElectionRecord): boolean {
  return (
    a.holderIdentity === b.holderIdentity &&
    a.leaseDurationSeconds === b.leaseDurationSeconds &&
    a.acquireTime === b.acquireTime &&
    a.renewTime === b.renewTime &&
    a.leaseTransitions === b.leaseTransitions
  );
}
