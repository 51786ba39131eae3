// The member list served on the peer port, as etcd's peer GET /members: a member started with
// --initial-cluster-state existing learns from it its own ID (etcd's MemberAdd derives it from the time) and the
// cluster's ID and members. JSON over a raw gRPC method.
import * as grpc from '@grpc/grpc-js';
import type { MemberInfo } from '../member/index.ts';

const identity = (b: Buffer): Buffer => b;

export const PEER_MEMBERS_SERVICE: grpc.ServiceDefinition = {
  List: {
    path: '/barque.member.PeerMembers/List',
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

export interface PeerMemberList {
  clusterId: string;
  members: Array<{ id: string; peerUrls: string[]; isLearner: boolean; name: string }>;
}

export function peerMembersService(clusterId: bigint, list: () => MemberInfo[]): grpc.UntypedServiceImplementation {
  return {
    List: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      const body: PeerMemberList = {
        clusterId: clusterId.toString(16),
        members: list().map((m) => ({ id: m.id.toString(16), peerUrls: m.peerUrls, isLearner: m.isLearner === true, name: m.name })),
      };
      callback(null, Buffer.from(JSON.stringify(body)));
    },
  };
}

/** Asks the member at `peerUrl` for the member list; rejects when it cannot be reached in `timeoutMs`. */
export function fetchPeerMembers(peerUrl: string, timeoutMs: number, credentials = grpc.credentials.createInsecure()): Promise<PeerMemberList> {
  const Client = grpc.makeGenericClientConstructor(PEER_MEMBERS_SERVICE, 'PeerMembers');
  const client = new Client(peerUrl.replace(/^[a-z]+:\/\//, ''), credentials) as grpc.Client &
    Record<string, (req: Buffer, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, r: Buffer) => void) => void>;
  return new Promise<PeerMemberList>((resolve, reject) => {
    client.List(Buffer.alloc(0), new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, r) => {
      client.close();
      if (err) reject(err);
      else resolve(JSON.parse(r.toString('utf8')) as PeerMemberList);
    });
  });
}
