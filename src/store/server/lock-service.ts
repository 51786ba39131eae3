// etcd's v3lock service: a mutex per name, held by the oldest key under "<name>/", each key named by the
// holder's lease; Lock waits until every older key is deleted, Unlock deletes the key.
import type { ServerUnaryCall, UntypedServiceImplementation } from '@grpc/grpc-js';
import type { Wire } from '../apply/wire-convert.ts';
import { callSignal, createIfAbsent, proposeDelete, sessionKey, waitDeletes } from './concurrency.ts';
import type { ServerContext } from './context.ts';
import { prefixEnd } from '../mvcc/index.ts';
import { withHeader } from './context.ts';
import { unaryThroughClient } from './handlers.ts';
import { SessionExpiredError } from './concurrency-errors.ts';

export function lockService(ctx: ServerContext): UntypedServiceImplementation {
  return {
    Lock: unaryThroughClient(ctx, async (req, call: ServerUnaryCall<Wire, Wire>) => {
      const prefix = Buffer.concat([req.name as Buffer, Buffer.from('/')]);
      const key = sessionKey(prefix, req.lease as bigint);
      // As etcd's lock server, whose client acts with the caller's token: the caller's own permissions apply.
      ctx.auth.authorize(call.metadata, (p) => {
        p.write(key);
        p.read(prefix, prefixEnd(prefix));
      });
      const mine = await createIfAbsent(ctx, key, Buffer.alloc(0), req.lease as bigint);
      const signal = callSignal(call);
      try {
        await waitDeletes(ctx, prefix, mine.createRevision - 1, signal);
      } catch (err) {
        // Like clientv3's Mutex: a waiter that gives up removes its key so it never blocks later holders.
        await proposeDelete(ctx, key).catch(() => undefined);
        throw err;
      }
      // The holder's lease may have expired while it waited: its key is gone, and so is its claim.
      await ctx.proposer.readBarrier();
      if (ctx.store.range({ key }).kvs.length === 0) throw new SessionExpiredError();
      return { header: withHeader(ctx, { header: mine.header }).header, key };
    }),
    Unlock: unaryThroughClient(ctx, async (req, call) => {
      ctx.auth.authorize(call.metadata, (p) => p.write(req.key as Buffer));
      const resp = await proposeDelete(ctx, req.key as Buffer);
      return { header: resp.header };
    }),
  };
}

