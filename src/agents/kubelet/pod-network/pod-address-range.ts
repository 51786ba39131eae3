// Pod addresses on one machine: every pod gets its own loopback address, and Linux answers on all of 127.0.0.0/8
// without any setup, so a container binds its POD_IP like it would bind a pod network interface.
//
// The scheme: pods live in 127.64.0.0/10 (127.64.0.0 – 127.127.255.255), one /24 per node:
// node n owns 127.(64 + ⌊n/256⌋).(n mod 256).0/24, so 16,384 nodes fit. In each /24, .1 is the node's own address
// (NodePorts listen there) and .2 – .254 go to pods. It stays clear of 127.0.0.1, of the service ClusterIP range
// (127.10.0.0/16 by default, src/apiserver/allocation) and of anything below 127.64.

export const POD_NETWORK_FIRST_OCTET2 = 64;
export const MAX_NODES = 64 * 256;

export interface NodeAddressRange {
  /** The /24 this node's pods come from, e.g. "127.64.3.0/24". */
  readonly podCidr: string;
  /** The node's own address (.1), where NodePorts listen. */
  readonly nodeAddress: string;
  /** Pod addresses in order: .2 … .254. */
  podAddress(index: number): string;
  readonly podAddressCount: number;
}

export function nodeAddressRange(nodeIndex: number): NodeAddressRange {
  if (!Number.isInteger(nodeIndex) || nodeIndex < 0 || nodeIndex >= MAX_NODES) {
    throw new RangeError(`node index ${nodeIndex} out of range: want an integer in [0, ${MAX_NODES})`);
  }
  const prefix = `127.${POD_NETWORK_FIRST_OCTET2 + Math.floor(nodeIndex / 256)}.${nodeIndex % 256}`;
  return {
    podCidr: `${prefix}.0/24`,
    nodeAddress: `${prefix}.1`,
    podAddressCount: 253,
    podAddress: (index) => {
      if (index < 0 || index >= 253) throw new RangeError(`pod address index ${index} out of range [0, 253)`);
      return `${prefix}.${index + 2}`;
    },
  };
}
