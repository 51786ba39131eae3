// The door to the `kubernetes` Service and its endpoint reconciler.
export { DEFAULT_RECONCILER_INTERVAL_MS, DEFAULT_RECONCILER_TTL_SECONDS, EndpointReconciler, MASTER_LEASES_PREFIX, type ApiserverEndpoint } from './endpoint-reconciler.ts';
