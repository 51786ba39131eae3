// The door of the lease room: etcd's lessor as a deterministic state machine plus leader-local expiry.

export {
  Lessor,
  minLeaseTtlSeconds,
  MAX_LEASE_TTL_SECONDS,
  DEFAULT_MIN_LEASE_TTL_SECONDS,
  DEFAULT_EXPIRED_RETRY_MS,
  DEFAULT_REVOKE_RATE_PER_SECOND,
} from './lessor.ts';
export type { LeaseKv, LessorOptions, GrantedLease, RenewResult, TimeToLive, LeaseCheckpoint } from './lessor.ts';
export { LeaseError, LeaseErrorCode, leaseErrorText, isLeaseError } from './errors.ts';
export { ManualClock, type Clock } from './clock.ts';
export { LeaseIdGenerator } from './id-generator.ts';
export { LEASE_PREFIX, leaseKey } from './codec.ts';
