// etcd's KV service. Writes go through the proposer as the client's own bytes, answered once applied and published
// (committed in the Raft log of a quorum, so no crash loses them); reads are served locally, after a ReadIndex round
// unless serializable. Both kinds of read wait for an apply batch in progress, its database write included.
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import {
  checkDeleteRequest,
  checkPutRequest,
  checkRangeRequest,
  checkTxnRequest,
} from '../mvcc/index.ts';
import {
  deleteRangeFromWire,
  isTxnWithWrites,
  putFromWire,
  rangeFromWire,
  rangeResponseToWire,
  txnFromWire,
  txnResponseToWire,
  type Wire,
} from '../apply/wire-convert.ts';
import type { ServerContext } from './context.ts';
import { withHeader } from './context.ts';
import { proposeAndWait, saturatingNumber, unary } from './handlers.ts';
import { rawBytesOf } from './raw-requests.ts';

export function kvService(ctx: ServerContext): UntypedServiceImplementation {
  const bytesOf = (name: string, req: Wire) => rawBytesOf(req) ?? ctx.codecs.type(`etcdserverpb.${name}`).encode(req);
  return {
    Range: unary(ctx, async (req, call) => {
      const domain = rangeFromWire(req);
      checkRangeRequest(domain);
      // Linearizable: a ReadIndex round with the leader (batched); serializable: local state as applied.
      if (req.serializable === true) await ctx.proposer.localReadBarrier();
      else await ctx.proposer.readBarrier();
      // Checked against the same applied auth state the read sees.
      ctx.auth.authorize(call.metadata, (p) => p.read(domain.key, domain.rangeEnd));
      return withHeader(ctx, rangeResponseToWire(ctx.store.range(domain)));
    }),
    Put: unary(ctx, async (req, call) => {
      const domain = putFromWire(req);
      checkPutRequest(domain);
      const authorize = () => ctx.auth.authorize(call.metadata, (p) => p.put(domain));
      return (await proposeAndWait(ctx, { kind: 'put', body: bytesOf('PutRequest', req) }, authorize)).response;
    }),
    DeleteRange: unary(ctx, async (req, call) => {
      const domain = deleteRangeFromWire(req);
      checkDeleteRequest(domain);
      const authorize = () => ctx.auth.authorize(call.metadata, (p) => p.deleteRange(domain));
      return (await proposeAndWait(ctx, { kind: 'delete_range', body: bytesOf('DeleteRangeRequest', req) }, authorize)).response;
    }),
    Txn: unary(ctx, async (req, call) => {
      const domain = txnFromWire(req);
      checkTxnRequest(domain, ctx.maxTxnOps);
      if (!isTxnWithWrites(domain)) {
        // As etcd: a read-only txn never enters the log.
        await ctx.proposer.readBarrier();
        ctx.auth.authorize(call.metadata, (p) => p.txn(domain));
        return withHeader(ctx, txnResponseToWire(ctx.store.txn(domain)));
      }
      const authorize = () => ctx.auth.authorize(call.metadata, (p) => p.txn(domain));
      return (await proposeAndWait(ctx, { kind: 'txn', body: bytesOf('TxnRequest', req) }, authorize)).response;
    }),
    Compact: unary(ctx, async (req, call) => {
      // Revisions past what the store can represent are clamped before they enter the log: still a future (or
      // compacted) revision, answered with etcd's error by the store.
      const revision = saturatingNumber(req.revision);
      const body = BigInt(revision) === BigInt(req.revision as bigint) ? bytesOf('CompactionRequest', req) : ctx.codecs.type('etcdserverpb.CompactionRequest').encode({ ...req, revision: BigInt(revision) });
      // As etcd 3.4: compaction needs no permission, but is ordered after auth changes like every write.
      const { response, result } = await proposeAndWait(ctx, { kind: 'compaction', body }, () => ctx.auth.authorize(call.metadata));
      if (req.physical === true && result.done !== undefined) await result.done;
      return response;
    }),
  };
}
