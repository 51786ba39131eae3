// Leases for objects that expire (events, kube-apiserver's --event-ttl), shared as kube-apiserver shares them: a
// lease is granted with the TTL plus a reuse window, and every object that asks within that window (and within the
// per-lease object bound) gets the same lease, so expiring objects cost one LeaseGrant a minute rather than one per
// object. An object may so live up to the reuse window past its TTL, never less than its TTL. No keep-alive: the
// lease and every object on it go when it runs out.

export interface LeaseGranter {
  /** A new lease of `ttlSeconds`; its ID as a decimal string. */
  grantLease(ttlSeconds: number): Promise<string>;
}

export interface LeaseManagerOptions {
  /** The longest reuse window (kube-apiserver's --lease-reuse-duration-seconds, 60). */
  reuseDurationSeconds?: number;
  /** The reuse window as a share of the TTL, when smaller (kube-apiserver: 5 %). */
  reuseDurationPercent?: number;
  /** Objects attached to one lease at most (kube-apiserver's default, 1,000). */
  maxObjectsPerLease?: number;
  /** Milliseconds, for tests. */
  now?: () => number;
}

export class LeaseManager {
  private readonly reuseSeconds: number;
  private readonly reusePercent: number;
  private readonly maxObjects: number;
  private readonly now: () => number;
  private leaseId: string | null = null;
  private expiresAtMs = 0;
  private attached = 0;
  /** One decision at a time, a grant included, so concurrent objects share the lease being granted. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly granter: LeaseGranter,
    options: LeaseManagerOptions = {},
  ) {
    this.reuseSeconds = options.reuseDurationSeconds ?? 60;
    this.reusePercent = options.reuseDurationPercent ?? 0.05;
    this.maxObjects = options.maxObjectsPerLease ?? 1_000;
    this.now = options.now ?? Date.now;
  }

  /** A lease (decimal ID) that lives at least `ttlSeconds` more, for one object. */
  lease(ttlSeconds: number): Promise<string> {
    const next = this.queue.then(() => this.leaseNow(ttlSeconds));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async leaseNow(ttlSeconds: number): Promise<string> {
    const now = this.now();
    const reuseSeconds = Math.min(Math.floor(this.reusePercent * ttlSeconds), this.reuseSeconds);
    // Long enough for this object, and granted within the reuse window (so no object lives much past its TTL).
    const longEnough = now + ttlSeconds * 1000 < this.expiresAtMs;
    const recent = now + (ttlSeconds + reuseSeconds) * 1000 >= this.expiresAtMs;
    this.attached++;
    if (this.leaseId !== null && longEnough && recent && this.attached <= this.maxObjects) return this.leaseId;
    const granted = ttlSeconds + reuseSeconds;
    this.leaseId = null;
    const id = await this.granter.grantLease(granted);
    this.leaseId = id;
    this.expiresAtMs = now + granted * 1000;
    this.attached = 1;
    return id;
  }
}
