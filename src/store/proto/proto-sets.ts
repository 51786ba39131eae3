// Loads each protocol's schema once per process and builds its codecs and gRPC service definitions.
import type protobuf from 'protobufjs';
import { CodecRegistry } from './codec.ts';
import { buildGrpcService, type GrpcService } from './grpc-services.ts';
import { loadProtoRoot } from './load-root.ts';
import { ETCD_PROTO_FILES, PROTO_ROOT, RAFT_PROTO_FILES } from './proto-files.ts';

export interface ProtoSet<ServiceName extends string> {
  readonly root: protobuf.Root;
  /** Codecs by message full name: `codecs.type('etcdserverpb.PutRequest').encode({...})`. */
  readonly codecs: CodecRegistry;
  /** `server.addService(services.KV.definition, impl)`; `new services.KV.Client(address, credentials)`. */
  readonly services: Readonly<Record<ServiceName, GrpcService>>;
}

export type EtcdServiceName = 'KV' | 'Watch' | 'Lease' | 'Cluster' | 'Maintenance' | 'Auth' | 'Lock' | 'Election';

const ETCD_SERVICES: Record<EtcdServiceName, string> = {
  KV: 'etcdserverpb.KV',
  Watch: 'etcdserverpb.Watch',
  Lease: 'etcdserverpb.Lease',
  Cluster: 'etcdserverpb.Cluster',
  Maintenance: 'etcdserverpb.Maintenance',
  Auth: 'etcdserverpb.Auth',
  Lock: 'v3lockpb.Lock',
  Election: 'v3electionpb.Election',
};

export type RaftServiceName = 'RaftPeer';

const RAFT_SERVICES: Record<RaftServiceName, string> = { RaftPeer: 'barque.raft.RaftPeer' };

let etcdProtos: ProtoSet<EtcdServiceName> | undefined;
let raftProtos: ProtoSet<RaftServiceName> | undefined;

/** etcd 3.4's services and messages. Parsed once per process (a few milliseconds), then shared. */
export function loadEtcdProtos(): ProtoSet<EtcdServiceName> {
  etcdProtos ??= buildProtoSet(loadProtoRoot(PROTO_ROOT, ETCD_PROTO_FILES), ETCD_SERVICES);
  return etcdProtos;
}

/** barque's Raft peer transport (proto/raft.proto). Parsed once per process. */
export function loadRaftProtos(): ProtoSet<RaftServiceName> {
  raftProtos ??= buildProtoSet(loadProtoRoot(PROTO_ROOT, RAFT_PROTO_FILES), RAFT_SERVICES);
  return raftProtos;
}

function buildProtoSet<N extends string>(root: protobuf.Root, names: Record<N, string>): ProtoSet<N> {
  const codecs = new CodecRegistry(root);
  const services = {} as Record<N, GrpcService>;
  for (const [short, fullName] of Object.entries(names) as [N, string][]) {
    services[short] = buildGrpcService(root.lookupService(fullName), codecs);
  }
  return { root, codecs, services };
}
