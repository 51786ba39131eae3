// etcd's v3election service: the leader of "<name>" is the oldest key under "<name>/"; a campaign creates the
// candidate's key (named by its lease) and waits until every older key is gone.
import type { ServerUnaryCall, ServerWritableStream, UntypedServiceImplementation } from '@grpc/grpc-js';
import { kvToWire, type Wire } from '../apply/wire-convert.ts';
import { prefixEnd, type KeyValue } from '../mvcc/index.ts';
import { callSignal, createIfAbsent, firstCreated, nextCommit, proposeDelete, sessionKey, waitDeletes } from './concurrency.ts';
import type { ServerContext } from './context.ts';
import { responseHeader, withHeader } from './context.ts';
import { proposeAndWait, unaryThroughClient, checkRequireLeader } from './handlers.ts';
import { toServiceError } from './grpc-errors.ts';
import { CanceledError, ElectionError } from './concurrency-errors.ts';

const prefixOf = (name: Buffer) => Buffer.concat([name, Buffer.from('/')]);

export function electionService(ctx: ServerContext): UntypedServiceImplementation {
  return {
    Campaign: unaryThroughClient(ctx, async (req, call: ServerUnaryCall<Wire, Wire>) => {
      const name = req.name as Buffer;
      const lease = req.lease as bigint;
      const prefix = prefixOf(name);
      const key = sessionKey(prefix, lease);
      // As etcd's election server, whose client acts with the caller's token: the caller's own permissions apply.
      ctx.auth.authorize(call.metadata, (p) => {
        p.write(key);
        p.read(prefix, prefixEnd(prefix));
      });
      const value = req.value as Buffer;
      const mine = await createIfAbsent(ctx, key, value, lease);
      let header = mine.header;
      if (!mine.created && !mine.value.equals(value)) header = (await proclaim(ctx, key, mine.createRevision, lease, value)).header as Wire;
      try {
        await waitDeletes(ctx, prefix, mine.createRevision - 1, callSignal(call));
      } catch (err) {
        await proposeDelete(ctx, key).catch(() => undefined);
        throw err;
      }
      return {
        header: withHeader(ctx, { header }).header,
        leader: { name, key, rev: BigInt(mine.createRevision), lease },
      };
    }),
    Proclaim: unaryThroughClient(ctx, async (req, call) => {
      const leader = requireLeaderKey(req.leader as Wire | null);
      ctx.auth.authorize(call.metadata, (p) => p.write(leader.key as Buffer));
      const resp = await proclaim(ctx, leader.key as Buffer, Number(leader.rev as bigint), leader.lease as bigint, req.value as Buffer);
      return { header: resp.header };
    }),
    Leader: unaryThroughClient(ctx, async (req, call) => {
      await ctx.proposer.readBarrier();
      const prefix = prefixOf(req.name as Buffer);
      ctx.auth.authorize(call.metadata, (p) => p.read(prefix, prefixEnd(prefix)));
      const kv = firstCreated(ctx, prefix);
      if (kv === undefined) throw new ElectionError('election: no leader');
      return { header: responseHeader(ctx), kv: kvToWire(kv) };
    }),
    Resign: unaryThroughClient(ctx, async (req, call) => {
      const leader = requireLeaderKey(req.leader as Wire | null);
      ctx.auth.authorize(call.metadata, (p) => p.write(leader.key as Buffer));
      const body = ctx.codecs.type('etcdserverpb.TxnRequest').encode({
        compare: [{ result: 0, target: 1, key: leader.key, create_revision: leader.rev }],
        success: [{ request_delete_range: { key: leader.key } }],
      });
      const { response } = await proposeAndWait(ctx, { kind: 'txn', body });
      return { header: response.header };
    }),
    Observe: (call: ServerWritableStream<Wire, Wire>) => {
      void observe(ctx, call).catch((err: unknown) => {
        if (!(err instanceof CanceledError)) call.emit('error', toServiceError(err));
      });
    },
  };
}

function requireLeaderKey(leader: Wire | null): Wire {
  if (leader === null) throw new ElectionError('"leader" field must be provided');
  return leader;
}

/** Re-puts the leader's key with a new value, only while it is still the same key generation. */
async function proclaim(ctx: ServerContext, key: Buffer, rev: number, lease: bigint, value: Buffer): Promise<Wire> {
  const body = ctx.codecs.type('etcdserverpb.TxnRequest').encode({
    compare: [{ result: 0, target: 1, key, create_revision: BigInt(rev) }],
    success: [{ request_put: { key, value, lease } }],
  });
  const { response } = await proposeAndWait(ctx, { kind: 'txn', body });
  if (response.succeeded !== true) throw new ElectionError('election: not leader');
  return response;
}

/** Streams the leader each time it changes (a new key or a new value), until the client goes away. */
async function observe(ctx: ServerContext, call: ServerWritableStream<Wire, Wire>): Promise<void> {
  checkRequireLeader(ctx, call.metadata);
  const prefix = prefixOf(call.request.name as Buffer);
  ctx.auth.authorize(call.metadata, (p) => p.read(prefix, prefixEnd(prefix)));
  const end = prefixEnd(prefix);
  const signal = callSignal(call);
  let last: KeyValue | undefined;
  for (;;) {
    await ctx.proposer.readBarrier();
    const kv = firstCreated(ctx, prefix);
    if (kv !== undefined && (last === undefined || !kv.key.equals(last.key) || kv.modRevision !== last.modRevision)) {
      call.write({ header: withHeader(ctx, { header: { revision: BigInt(kv.modRevision) } }).header, kv: kvToWire(kv) });
      last = kv;
    }
    await nextCommit(ctx, (events) => events.some((e) => Buffer.compare(e.key, prefix) >= 0 && Buffer.compare(e.key, end) < 0), signal);
  }
}
