// The door to the client library controllers, the scheduler and node agents build on: a failover gRPC client for the
// apiserver (proto/apiserver.proto), reflector and shared informers with indexers, client-go's rate-limited work
// queue, and leader election on coordination.k8s.io Leases. Time comes from an injected Clock throughout.
export { ApiClient, type ApiClientOptions } from './api-client.ts';
export { Backoff, type BackoffOptions } from './backoff.ts';
export { endpointsFrom } from './endpoint-order.ts';
export { ManualClock, realClock, Sleeper, type Clock, type Timer } from './clock.ts';
export { isAlreadyExists, isConflict, isExpired, isInvalid, isNotFound, isTooManyRequests, StatusError, type StatusObject } from './errors.ts';
export { byNamespace, Indexer, NAMESPACE_INDEX, objectKey, podsByNodeName, type IndexFunc } from './indexer.ts';
export { DEFAULT_LEASE_DURATION_MS, DEFAULT_RENEW_DEADLINE_MS, DEFAULT_RETRY_PERIOD_MS, LeaderElector, type LeaderCallbacks, type LeaderElectionConfig } from './leader-elector.ts';
export { applyLeaderElectionFlag, checkLeaderElectionFlags, defaultLeaderElectionFlags, type LeaderElectionFlags } from './leader-election-flags.ts';
export { LEASES, LeaseLock, leaseOf, recordOf, type LeaderElectionRecord, type ObservedLease, type ResourceLock } from './lease-lock.ts';
export { formatMicroTime, parseMicroTime } from './micro-time.ts';
export { BucketRateLimiter, defaultControllerRateLimiter, ItemExponentialFailureRateLimiter, MaxOfRateLimiter, type RateLimiter } from './rate-limiters.ts';
export { RateLimitingQueue } from './rate-limiting-queue.ts';
export { Reflector, type ListerWatcher, type ReflectorOptions, type ReflectorStore } from './reflector.ts';
export {
  ResourceClient,
  type DeleteOptions,
  type ListOptions,
  type ListResult,
  type PatchType,
  type ResourceRef,
  type WatchEvent,
  type WatchHandle,
  type WatchHandlers,
  type WatchOptions,
  type WriteOptions,
} from './resource-client.ts';
export { RESOURCES } from './resources.ts';
export { listerWatcher, SharedInformer, type EventHandler, type SharedInformerOptions } from './shared-informer.ts';
export { WorkQueue, type Got } from './work-queue.ts';
