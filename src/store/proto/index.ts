// The door to barque's protobuf schemas: etcd 3.4's client API (byte-compatible with etcd) and barque's Raft peer
// transport, as grpc-js service definitions, client constructors and message codecs.
//
// Loading is dynamic (protobufjs 8 reflection over proto/**; no generated code to commit). Why, with figures:
// docs/proto-loading.md. Representation of decoded messages (64-bit = bigint, bytes = Buffer, enums = numbers,
// absent fields = zero values, absent messages = null): see codec.ts and docs/wire-compatibility.md.
export { CodecRegistry, createMessageCodec, type DecodedMessage, type EncodableMessage, type MessageCodec } from './codec.ts';
export type { GrpcService } from './grpc-services.ts';
export { loadProtoRoot } from './load-root.ts';
export { asInt64, asUint64, formatId, parseId, toBigInt, toSafeNumber } from './longs.ts';
export { ETCD_PACKAGES, ETCD_PROTO_FILES, PROTO_ROOT, RAFT_PROTO_FILES } from './proto-files.ts';
export { loadEtcdProtos, loadRaftProtos, type EtcdServiceName, type ProtoSet, type RaftServiceName } from './proto-sets.ts';
export { encodeMessageFrame, MalformedPeerMessageError, messageFromWire, messageToWire, type WireMessage } from './raft-wire.ts';
export { decodePlainFrame, encodePlainFrame } from './raft-frame-codec.ts';
