// etcd's Cluster service: the member list, and membership changes (each a ConfChangeV2 through the log).
import { Metadata, type ServiceError, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { ServerError, ServerErrorCode } from '../apply/errors.ts';
import type { MemberInfo } from '../member/index.ts';
import { TOKEN_METADATA_KEY, tokenMetadata } from '../auth/index.ts';
import type { Wire } from '../apply/wire-convert.ts';
import type { ServerContext } from './context.ts';
import { responseHeader } from './context.ts';
import { unary } from './handlers.ts';
import { forwardedError } from './lease-service.ts';

const FORWARD_DEADLINE_MS = 10_000;

export function memberToWire(m: MemberInfo): Wire {
  return { ID: m.id, name: m.name, peerURLs: m.peerUrls, clientURLs: m.clientUrls, isLearner: m.isLearner === true };
}

/** The caller's token travels with a call forwarded to the leader, which checks it again. */
function withToken(metadata: Metadata): Metadata {
  const out = new Metadata();
  for (const t of tokenMetadata(metadata)) out.add(TOKEN_METADATA_KEY, t);
  return out;
}

export function clusterService(ctx: ServerContext): UntypedServiceImplementation {
  const refuse = unary(ctx, () => {
    throw new ServerError(ServerErrorCode.MemberNotSupported);
  });
  const membership = ctx.membership;
  // etcd's Cluster responses carry no revision.
  const members = (): Wire[] => ctx.members().map(memberToWire);
  const header = (): Wire => responseHeader(ctx, 0);
  // As etcd: membership changes are root's (with auth on).
  const adminOnly = (metadata: Metadata): void => void ctx.auth.authorize(metadata, (p) => p.admin());
  if (membership === undefined) {
    return { MemberList: unary(ctx, () => ({ header: header(), members: members() })), MemberAdd: refuse, MemberRemove: refuse, MemberUpdate: refuse, MemberPromote: refuse };
  }
  /** The same call on the leader (its answer applied there; this member has applied it too once it answers). */
  const toLeader = async (method: string, req: Wire, metadata: Metadata): Promise<Wire> => {
    const leader = ctx.leaderCluster?.();
    if (leader === undefined) throw new ServerError(ServerErrorCode.NoLeader);
    const resp = await new Promise<Wire>((resolve, reject) => {
      leader[method](req, withToken(metadata), { deadline: Date.now() + FORWARD_DEADLINE_MS }, (err: ServiceError | null, r: Wire) =>
        err ? reject(forwardedError(err)) : resolve(r),
      );
    });
    // The change is applied on the leader: wait until it is applied here too, so the member list shows it.
    await ctx.proposer.readBarrier();
    return resp;
  };
  return {
    MemberList: unary(ctx, () => ({ header: header(), members: members() })),
    MemberAdd: unary(ctx, async (req, call) => {
      adminOnly(call.metadata);
      const m = await membership.add((req.peerURLs as string[] | undefined) ?? [], req.isLearner === true);
      if (m === undefined) return { ...(await toLeader('MemberAdd', req, call.metadata)), header: header(), members: members() };
      return { header: header(), member: memberToWire(m), members: members() };
    }),
    MemberRemove: unary(ctx, async (req, call) => {
      adminOnly(call.metadata);
      if (!(await membership.remove(req.ID as bigint))) await toLeader('MemberRemove', req, call.metadata);
      return { header: header(), members: members() };
    }),
    MemberUpdate: unary(ctx, async (req, call) => {
      adminOnly(call.metadata);
      await membership.update(req.ID as bigint, (req.peerURLs as string[] | undefined) ?? []);
      return { header: header(), members: members() };
    }),
    MemberPromote: unary(ctx, async (req, call) => {
      adminOnly(call.metadata);
      if (!(await membership.promote(req.ID as bigint))) await toLeader('MemberPromote', req, call.metadata);
      return { header: header(), members: members() };
    }),
  };
}
