// etcd's Lease service. Grants and revokes go through the log (the ID is picked before, so applying stays
// deterministic); keep-alives and time-to-live are the leader's local business: a follower forwards them to the
// leader (as etcd does over its peer link) and answers with its own header.
import { Metadata, type ClientDuplexStream, type ServerDuplexStream, type ServiceError, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { ServerError, ServerErrorCode } from '../apply/errors.ts';
import { isLeaseError, LeaseErrorCode, MAX_LEASE_TTL_SECONDS } from '../lease/index.ts';
import type { Wire } from '../apply/wire-convert.ts';
import type { ServerContext } from './context.ts';
import { responseHeader } from './context.ts';
import { ForwardedStatusError, toServiceError } from './grpc-errors.ts';
import { checkRequireLeader, proposeAndWait, saturatingNumber, unary } from './handlers.ts';
import { rawBytesOf } from './raw-requests.ts';

export function leaseService(ctx: ServerContext): UntypedServiceImplementation {
  return {
    LeaseGrant: unary(ctx, async (req) => {
      let id = req.ID as bigint;
      if (id === 0n) {
        do id = ctx.leaseIds.next();
        while (ctx.lessor.has(id));
      }
      // Clamped so that the applier can represent it: beyond the maximum is still "too large", below −1 is still
      // below the minimum TTL (which the lessor applies), as in etcd.
      const ttl = BigInt(Math.max(-1, Math.min(saturatingNumber(req.TTL), MAX_LEASE_TTL_SECONDS + 1)));
      const body = ctx.codecs.type('etcdserverpb.LeaseGrantRequest').encode({ TTL: ttl, ID: id });
      return (await proposeAndWait(ctx, { kind: 'lease_grant', body })).response;
    }),
    LeaseRevoke: unary(ctx, async (req, call) => {
      const body = rawBytesOf(req) ?? ctx.codecs.type('etcdserverpb.LeaseRevokeRequest').encode(req);
      const authorize = () => ctx.auth.authorize(call.metadata, (p) => p.leaseRevoke(req.ID as bigint));
      return (await proposeAndWait(ctx, { kind: 'lease_revoke', body }, authorize)).response;
    }),
    LeaseTimeToLive: unary(ctx, async (req) => {
      const leader = ctx.lessor.isPrimary ? undefined : ctx.leaderLease?.();
      if (leader !== undefined) {
        const resp = await new Promise<Wire>((resolve, reject) => {
          leader.LeaseTimeToLive(req, new Metadata(), { deadline: Date.now() + FORWARD_DEADLINE_MS }, (err: ServiceError | null, r: Wire) =>
            err ? reject(forwardedError(err)) : resolve(r),
          );
        });
        return { ...resp, header: responseHeader(ctx) };
      }
      await ctx.proposer.readBarrier();
      const id = req.ID as bigint;
      const ttl = ctx.lessor.timeToLive(id, req.keys === true ? ctx.store : undefined);
      if (ttl === undefined) return { header: responseHeader(ctx), ID: id, TTL: -1n, grantedTTL: 0n, keys: [] };
      return { header: responseHeader(ctx), ID: id, TTL: BigInt(ttl.ttl), grantedTTL: BigInt(ttl.grantedTtl), keys: ttl.keys };
    }),
    LeaseLeases: unary(ctx, async () => {
      await ctx.proposer.readBarrier();
      return { header: responseHeader(ctx), leases: ctx.lessor.list().map((l) => ({ ID: l.id })) };
    }),
    LeaseKeepAlive: (call: ServerDuplexStream<Wire, Wire>) => {
      try {
        checkRequireLeader(ctx, call.metadata);
      } catch (err) {
        call.emit('error', toServiceError(err));
        return;
      }
      let upstream: ClientDuplexStream<Wire, Wire> | undefined;
      let clientEnded = false;
      const forward = (req: Wire): boolean => {
        if (ctx.lessor.isPrimary) return false;
        if (upstream === undefined) {
          const leader = ctx.leaderLease?.();
          if (leader === undefined) return false;
          const up = leader.LeaseKeepAlive() as ClientDuplexStream<Wire, Wire>;
          up.on('data', (r: Wire) => {
            if (!call.cancelled && !call.destroyed) call.write({ ...r, header: responseHeader(ctx) });
          });
          up.on('error', (err: ServiceError) => {
            if (upstream === up) upstream = undefined;
            if (!call.cancelled && !call.destroyed) call.emit('error', toServiceError(forwardedError(err)));
          });
          up.on('end', () => {
            if (upstream === up) upstream = undefined;
            // The client's half-close was passed on: the leader has answered everything forwarded, so end too.
            if (clientEnded && !call.cancelled && !call.destroyed) call.end();
          });
          upstream = up;
        }
        upstream.write(req);
        return true;
      };
      call.on('data', (req: Wire) => {
        if (call.cancelled || call.destroyed) return;
        try {
          if (!forward(req)) call.write(keepAlive(ctx, req.ID as bigint));
        } catch (err) {
          call.emit('error', toServiceError(err));
        }
      });
      // As etcd, whose receive loop answers each request before it reads the client's EOF: a client that sends and
      // half-closes still gets every answer, including those the leader has yet to send back.
      call.on('end', () => {
        clientEnded = true;
        if (upstream === undefined) call.end();
        else upstream.end();
      });
      call.on('cancelled', () => upstream?.cancel());
      call.on('error', () => undefined);
    },
  };
}

/** One keep-alive: the granted TTL, or TTL 0 for a lease that is unknown or already expired (as etcd answers). */
function keepAlive(ctx: ServerContext, id: bigint): Wire {
  try {
    const renewed = ctx.lessor.renew(id);
    if (renewed.clearCheckpoint) proposeCheckpointClear(ctx, id);
    return { header: responseHeader(ctx), ID: id, TTL: BigInt(renewed.ttl) };
  } catch (err) {
    if (isLeaseError(err, LeaseErrorCode.NotFound) || isLeaseError(err, LeaseErrorCode.Expired)) {
      return { header: responseHeader(ctx), ID: id, TTL: 0n };
    }
    throw err;
  }
}

function proposeCheckpointClear(ctx: ServerContext, id: bigint): void {
  const body = ctx.codecs.type('etcdserverpb.LeaseCheckpointRequest').encode({ checkpoints: [{ ID: id, remaining_TTL: 0n }] });
  ctx.proposer.propose({ kind: 'lease_checkpoint', body }).catch((err: unknown) => ctx.logger.warn({ err }, 'lease checkpoint clear failed'));
}


const FORWARD_DEADLINE_MS = 5_000;

/** The leader's answer to a forwarded call, as this member's error (etcd's text when the leader gave none). */
export function forwardedError(err: ServiceError): unknown {
  if (typeof err.details === 'string' && err.details.startsWith('etcdserver: ')) return new ForwardedStatusError(err.code, err.details);
  return new ServerError(ServerErrorCode.NoLeader);
}
