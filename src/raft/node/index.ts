// The door of src/raft/node: the async driver of a Raft node, with its clock and transports.
//
// Not exported here: the transport compliance suite (transport-compliance.ts, which imports vitest) and the test
// helpers (testing.ts).
export { RealClock, ManualClock, type Clock, type Cancel } from './clock.ts';
export {
  DEFAULT_PEER_QUEUE_LIMITS,
  type Transport,
  type PeerReport,
  type PeerQueueLimits,
} from './transport.ts';
export { InMemoryHub, InMemoryTransport, type InMemoryTransportOptions } from './in-memory-transport.ts';
export { GrpcTransport, type GrpcTransportOptions } from './grpc-transport.ts';
export {
  RaftNode,
  type RaftNodeOptions,
  type RaftApplication,
  type RaftNodeStatus,
  type LeaderChangeHandler,
} from './raft-node.ts';
export { RaftNodeError, RaftNodeErrorCode } from './node-errors.ts';
