// etcd's Cluster service for a single member: the member list; membership changes wait for replication.
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { ServerError, ServerErrorCode } from '../apply/errors.ts';
import type { MemberInfo } from '../member/index.ts';
import type { Wire } from '../apply/wire-convert.ts';
import type { ServerContext } from './context.ts';
import { responseHeader } from './context.ts';
import { unary } from './handlers.ts';

export function memberToWire(m: MemberInfo): Wire {
  return { ID: m.id, name: m.name, peerURLs: m.peerUrls, clientURLs: m.clientUrls, isLearner: false };
}

export function clusterService(ctx: ServerContext): UntypedServiceImplementation {
  const refuse = unary(ctx, () => {
    throw new ServerError(ServerErrorCode.MemberNotSupported);
  });
  return {
    // etcd's Cluster responses carry no revision.
    MemberList: unary(ctx, () => ({ header: responseHeader(ctx, 0), members: ctx.members().map(memberToWire) })),
    MemberAdd: refuse,
    MemberRemove: refuse,
    MemberUpdate: refuse,
    MemberPromote: refuse,
  };
}
