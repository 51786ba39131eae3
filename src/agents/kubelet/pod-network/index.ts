// Pod networking on one machine: per-node loopback ranges and the allocator that hands out pod IPs.
export { nodeAddressRange, MAX_NODES, type NodeAddressRange } from './pod-address-range.ts';
export { PodAddressAllocator, PodAddressesExhaustedError } from './pod-address-allocator.ts';
