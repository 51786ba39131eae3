// The door to allocation: cluster IPs and node ports for services, kept as one key per item in the store.
export { EtcdAllocationStore, KeyedAllocator, type AllocationStore, type AllocateResult } from './keyed-allocator.ts';
export { parseCidr, parsePortRange, RangeError, type ItemRange } from './ranges.ts';
export {
  DEFAULT_SERVICE_CLUSTER_IP_RANGE,
  DEFAULT_SERVICE_NODE_PORT_RANGE,
  NODE_PORTS_PREFIX,
  SERVICE_IPS_PREFIX,
  ServiceAllocator,
  type ServiceAllocationOptions,
} from './service-allocation.ts';
