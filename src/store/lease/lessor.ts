// The lessor: etcd's lease state machine.
//
// Two halves. The applied half (grant, revoke, checkpoint) runs on every member from committed log entries and
// must be deterministic: it changes only IDs, TTLs and checkpointed remaining TTLs, and stages the matching
// database records for the applier to write in the same classic-level batch as the MVCC effects (takeOps).
// The leader-local half (promote, demote, renew, timeToLive, expired, dueCheckpoints) keeps deadlines on the
// injected clock; it never revokes by itself: expired() names leases whose revoke the caller proposes.
//
// Key attachments are the MVCC store's: it tracks which keys name which lease (a put attaches, a put with
// another lease or a delete detaches) and deletes them in one revision on revoke (LeaseKv).

import { assert } from '../../raft/assert.ts';
import type { DbOp, DeleteRangeResponse, MvccDb } from '../mvcc/index.ts';
import type { Clock } from './clock.ts';
import { decodeLeaseRecord, encodeLeaseRecord, LEASE_KEY_RANGE, leaseKey } from './codec.ts';
import { LeaseError, LeaseErrorCode } from './errors.ts';
import { TimeQueue } from './time-queue.ts';

/** etcd's MaxLeaseTTL, seconds. */
export const MAX_LEASE_TTL_SECONDS = 9_000_000_000;
/** ceil(1.5 × the default 1 s election timeout). */
export const DEFAULT_MIN_LEASE_TTL_SECONDS = 2;
/** A lease reported by expired() is reported again after this long if its revoke has not applied (etcd: 3 s). */
export const DEFAULT_EXPIRED_RETRY_MS = 3_000;
/** Promote spreads expiries once there are this many leases (etcd's leaseRevokeRate, per second). */
export const DEFAULT_REVOKE_RATE_PER_SECOND = 1_000;

/** etcd's minimum TTL: ceil(1.5 × election timeout), in seconds. */
export function minLeaseTtlSeconds(electionTimeoutMs: number): number {
  return Math.ceil((1.5 * electionTimeoutMs) / 1000);
}

/** What revoke needs from the MVCC store (MvccStore satisfies it). */
export interface LeaseKv {
  keysForLease(lease: bigint): Buffer[];
  /** Deletes every attached key in one revision, inside the caller's open batch. */
  deleteByLease(lease: bigint): DeleteRangeResponse;
}

export interface LessorOptions {
  clock: Clock;
  minTtlSeconds?: number;
  expiredRetryMs?: number;
  revokeRatePerSecond?: number;
  /** Leader-side checkpointing of remaining TTLs; absent = off, as etcd 3.4 by default (5 min when on there). */
  checkpointIntervalMs?: number;
}

export interface GrantedLease {
  id: bigint;
  /** Granted TTL after raising to the minimum, seconds. */
  ttl: number;
}

export interface RenewResult {
  /** The granted TTL, seconds (what LeaseKeepAliveResponse.TTL carries). */
  ttl: number;
  /** A checkpointed remaining TTL is set: the caller should propose checkpoint(id, 0) so it stops applying. */
  clearCheckpoint: boolean;
}

export interface TimeToLive {
  id: bigint;
  /** Seconds left, rounded up (etcd: ceil of the remaining duration). */
  ttl: number;
  grantedTtl: number;
  keys: Buffer[];
}

export interface LeaseCheckpoint {
  id: bigint;
  remainingTtl: number;
}

interface LeaseState {
  readonly id: bigint;
  readonly ttl: number;
  /** Checkpointed seconds left; 0 = none, the full TTL applies. */
  remainingTtl: number;
  /** Leader only: when the lease expires on the clock; undefined = never (follower, or not yet promoted). */
  deadline: number | undefined;
}

export class Lessor {
  private readonly leases = new Map<bigint, LeaseState>();
  private readonly expiry = new TimeQueue();
  private readonly checkpoints = new TimeQueue();
  private pendingOps: DbOp[] = [];
  private primary = false;
  private readonly clock: Clock;
  private readonly minTtl: number;
  private readonly retryMs: number;
  private readonly revokeRate: number;
  private readonly checkpointMs: number | undefined;

  constructor(options: LessorOptions) {
    this.clock = options.clock;
    this.minTtl = options.minTtlSeconds ?? DEFAULT_MIN_LEASE_TTL_SECONDS;
    this.retryMs = options.expiredRetryMs ?? DEFAULT_EXPIRED_RETRY_MS;
    this.revokeRate = options.revokeRatePerSecond ?? DEFAULT_REVOKE_RATE_PER_SECOND;
    this.checkpointMs = options.checkpointIntervalMs;
    assert(this.minTtl >= 1, 'minimum lease TTL must be at least 1 s');
  }

  /** A lessor holding the lease records of the database (a restart, or after a snapshot restore). */
  static async open(db: MvccDb, options: LessorOptions): Promise<Lessor> {
    const lessor = new Lessor(options);
    await lessor.reload(db);
    return lessor;
  }

  /** Replaces the applied state with the database's records; deadlines restart from now if primary. */
  async reload(db: MvccDb): Promise<void> {
    this.leases.clear();
    this.expiry.clear();
    this.checkpoints.clear();
    this.pendingOps = [];
    for await (const [k, v] of db.iterator(LEASE_KEY_RANGE)) {
      const r = decodeLeaseRecord(k, v);
      // A minimum raised since the grant applies on load, as etcd does.
      this.leases.set(r.id, { id: r.id, ttl: Math.max(r.ttlSeconds, this.minTtl), remainingTtl: r.remainingTtlSeconds, deadline: undefined });
    }
    if (this.primary) this.promote(0);
  }

  // ---- applied on every member --------------------------------------------------------------------------------

  /** Whether the lease exists (MvccOptions.leaseExists). */
  has(id: bigint): boolean {
    return this.leases.has(id);
  }

  get size(): number {
    return this.leases.size;
  }

  grant(id: bigint, ttlSeconds: number): GrantedLease {
    // ID 0 is "no lease": the proposer must have picked a real ID before the log (LeaseIdGenerator).
    if (id === 0n) throw new LeaseError(LeaseErrorCode.NotFound, id);
    if (ttlSeconds > MAX_LEASE_TTL_SECONDS) throw new LeaseError(LeaseErrorCode.TtlTooLarge, id);
    if (this.leases.has(id)) throw new LeaseError(LeaseErrorCode.Exists, id);
    const l: LeaseState = { id, ttl: Math.max(ttlSeconds, this.minTtl), remainingTtl: 0, deadline: undefined };
    this.leases.set(id, l);
    this.persist(l);
    if (this.primary) {
      this.refresh(l, 0);
      this.scheduleCheckpoint(l);
    }
    return { id, ttl: l.ttl };
  }

  /** Deletes the lease and, in one MVCC revision of the caller's open batch, every key attached to it. */
  revoke(id: bigint, kv: LeaseKv): DeleteRangeResponse {
    const l = this.leases.get(id);
    if (l === undefined) throw new LeaseError(LeaseErrorCode.NotFound, id);
    const resp = kv.deleteByLease(id);
    this.leases.delete(id);
    this.expiry.delete(id);
    this.checkpoints.delete(id);
    this.pendingOps.push({ type: 'del', key: leaseKey(id) });
    return resp;
  }

  /** Records the leader's view of a lease's remaining TTL (0 clears it); unknown leases are ignored, as etcd. */
  checkpoint(id: bigint, remainingTtlSeconds: number): void {
    const l = this.leases.get(id);
    if (l === undefined) return;
    l.remainingTtl = Math.max(0, remainingTtlSeconds);
    this.persist(l);
    if (this.primary) this.scheduleCheckpoint(l);
  }

  /** The records staged by applied commands since the last call: pass them to commitBatch({ extraOps }). */
  takeOps(): DbOp[] {
    const ops = this.pendingOps;
    this.pendingOps = [];
    return ops;
  }

  private persist(l: LeaseState): void {
    this.pendingOps.push({ type: 'put', key: leaseKey(l.id), value: encodeLeaseRecord({ id: l.id, ttlSeconds: l.ttl, remainingTtlSeconds: l.remainingTtl }) });
  }

  // ---- leader-local --------------------------------------------------------------------------------------------

  get isPrimary(): boolean {
    return this.primary;
  }

  /**
   * This member became leader: every lease gets a fresh deadline of now + extend + its remaining TTL (the
   * checkpointed one when set, else the full TTL); extend is the election timeout in etcd. With many leases,
   * expiries that would pile up are spread so revokes stay under the revoke rate.
   */
  promote(extendMs: number): void {
    this.primary = true;
    const now = this.clock.now();
    for (const l of this.leases.values()) this.refresh(l, extendMs, now);
    if (this.leases.size >= this.revokeRate) this.spreadExpiries(extendMs, now);
    for (const l of this.leases.values()) this.scheduleCheckpoint(l);
  }

  /** Leadership lost: no deadlines, nothing expires here. */
  demote(): void {
    this.primary = false;
    for (const l of this.leases.values()) l.deadline = undefined;
    this.expiry.clear();
    this.checkpoints.clear();
  }

  /** Keep-alive: a fresh deadline of now + TTL. Unknown → NotFound (the server answers TTL 0). */
  renew(id: bigint): RenewResult {
    if (!this.primary) throw new LeaseError(LeaseErrorCode.NotPrimary, id);
    const l = this.leases.get(id);
    if (l === undefined) throw new LeaseError(LeaseErrorCode.NotFound, id);
    const now = this.clock.now();
    // Past its deadline the lease is being revoked through the log; etcd makes the renew wait for that.
    if (l.deadline !== undefined && l.deadline <= now) throw new LeaseError(LeaseErrorCode.Expired, id);
    const clearCheckpoint = this.checkpointMs !== undefined && l.remainingTtl > 0;
    l.deadline = now + l.ttl * 1000;
    this.expiry.set(id, l.deadline);
    return { ttl: l.ttl, clearCheckpoint };
  }

  /** Remaining and granted TTL; undefined when unknown (the server answers TTL −1). Leader only. */
  timeToLive(id: bigint, kv?: Pick<LeaseKv, 'keysForLease'>): TimeToLive | undefined {
    const l = this.leases.get(id);
    if (l === undefined) return undefined;
    if (!this.primary || l.deadline === undefined) throw new LeaseError(LeaseErrorCode.NotPrimary, id);
    const ttl = Math.ceil((l.deadline - this.clock.now()) / 1000);
    return { id, ttl, grantedTtl: l.ttl, keys: kv ? kv.keysForLease(id) : [] };
  }

  /** Every lease with its granted TTL, soonest deadline first (then by ID). Served on any member. */
  list(): GrantedLease[] {
    const ls = [...this.leases.values()];
    ls.sort((a, b) => {
      const da = a.deadline ?? Infinity;
      const db = b.deadline ?? Infinity;
      if (da !== db) return da < db ? -1 : 1;
      return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    });
    return ls.map((l) => ({ id: l.id, ttl: l.ttl }));
  }

  /**
   * Up to `limit` leases whose deadline has passed, for the caller to propose their revokes. A lease reported
   * here is not reported again for expiredRetryMs, unless renewed or revoked meanwhile.
   */
  expired(limit = this.revokeRate / 2): bigint[] {
    if (!this.primary) return [];
    const now = this.clock.now();
    const out: bigint[] = [];
    while (out.length < limit) {
      const head = this.expiry.peek();
      if (head === undefined || head.at > now) break;
      const l = this.leases.get(head.id);
      assert(l !== undefined && l.deadline !== undefined, 'expiry queue names a lease without a deadline');
      if (l.deadline > now) {
        this.expiry.set(head.id, l.deadline);
        continue;
      }
      this.expiry.set(head.id, now + this.retryMs);
      out.push(head.id);
    }
    return out;
  }

  /** Checkpoints that are due, for the caller to propose (empty when checkpointing is off). */
  dueCheckpoints(limit = 1000): LeaseCheckpoint[] {
    if (!this.primary || this.checkpointMs === undefined) return [];
    const now = this.clock.now();
    const out: LeaseCheckpoint[] = [];
    while (out.length < limit) {
      const head = this.checkpoints.peek();
      if (head === undefined || head.at > now) break;
      this.checkpoints.delete(head.id);
      const l = this.leases.get(head.id);
      if (l === undefined || l.deadline === undefined || l.deadline <= now) continue;
      const remaining = Math.ceil((l.deadline - now) / 1000);
      if (remaining >= l.ttl) continue;
      out.push({ id: l.id, remainingTtl: remaining });
    }
    return out;
  }

  /** Milliseconds until the lease's deadline (leader), for tests and diagnostics. */
  remainingMs(id: bigint): number | undefined {
    const l = this.leases.get(id);
    return l?.deadline === undefined ? undefined : l.deadline - this.clock.now();
  }

  private refresh(l: LeaseState, extendMs: number, now = this.clock.now()): void {
    const seconds = l.remainingTtl > 0 ? l.remainingTtl : l.ttl;
    l.deadline = now + extendMs + seconds * 1000;
    this.expiry.set(l.id, l.deadline);
  }

  private scheduleCheckpoint(l: LeaseState): void {
    if (this.checkpointMs === undefined || !this.primary) return;
    const seconds = l.remainingTtl > 0 ? l.remainingTtl : l.ttl;
    if (seconds * 1000 > this.checkpointMs) this.checkpoints.set(l.id, this.clock.now() + this.checkpointMs);
  }

  /** etcd's pile-up avoidance: at most 3/4 of the revoke rate expiring in any one-second window. */
  private spreadExpiries(extendMs: number, now: number): void {
    const ls = [...this.leases.values()].sort((a, b) => a.deadline! - b.deadline! || (a.id < b.id ? -1 : 1));
    const target = Math.floor((3 * this.revokeRate) / 4);
    let base = ls[0].deadline! - now;
    let nextWindow = base + 1000;
    let expires = 0;
    for (const l of ls) {
      const remaining = l.deadline! - now;
      if (remaining > nextWindow) {
        base = remaining;
        nextWindow = base + 1000;
        expires = 1;
        continue;
      }
      expires++;
      if (expires <= target) continue;
      const delay = Math.max(0, 1000 * (expires / target) - (remaining - base));
      nextWindow = base + delay;
      this.refresh(l, delay + extendMs, now);
    }
  }
}
