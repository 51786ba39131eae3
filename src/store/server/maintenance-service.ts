// etcd's Maintenance service: alarms (changes through the log), status, hashes, defragment and the snapshot stream.
import { createHash } from 'node:crypto';
import type { Metadata, ServerWritableStream, UntypedServiceImplementation } from '@grpc/grpc-js';
import { asRawAuthError } from '../auth/index.ts';
import { AlarmType } from '../apply/alarms.ts';
import { AlarmAction } from '../apply/applier.ts';
import { ServerError, ServerErrorCode } from '../apply/errors.ts';
import type { Wire } from '../apply/wire-convert.ts';
import type { ServerContext } from './context.ts';
import { responseHeader } from './context.ts';
import { toServiceError } from './grpc-errors.ts';
import { checkRequireLeader, proposeAndWait, saturatingNumber, unary } from './handlers.ts';
import { rawBytesOf } from './raw-requests.ts';

/**
 * The version Status reports. etcdctl prints it and clients gate features on it, so barque reports the etcd version
 * whose API it serves byte for byte rather than its own (docs/store-server.md).
 */
export const SERVED_ETCD_VERSION = '3.4.23';

const SNAPSHOT_CHUNK_BYTES = 32 * 1024;
const ALARM_NAMES: Readonly<Record<number, string>> = { 0: 'NONE', 1: 'NOSPACE', 2: 'CORRUPT' };

export function maintenanceService(ctx: ServerContext): UntypedServiceImplementation {
  return {
    Alarm: unary(ctx, async (req) => {
      if ((req.action as number) === AlarmAction.Get) {
        await ctx.proposer.readBarrier();
        const alarms = ctx.alarms.list(req.alarm as AlarmType);
        return { alarms: alarms.map((a) => ({ memberID: a.memberId, alarm: a.alarm })) };
      }
      const body = rawBytesOf(req) ?? ctx.codecs.type('etcdserverpb.AlarmRequest').encode(req);
      return (await proposeAndWait(ctx, { kind: 'alarm', body })).response;
    }),
    Status: unary(ctx, () => ({
      header: responseHeader(ctx),
      version: SERVED_ETCD_VERSION,
      dbSize: BigInt(ctx.dbSizeBytes()),
      dbSizeInUse: BigInt(ctx.dbSizeBytes()),
      leader: ctx.proposer.leaderId,
      raftIndex: BigInt(ctx.proposer.lastIndex),
      raftTerm: ctx.proposer.term,
      raftAppliedIndex: BigInt(ctx.store.consistentIndex),
      errors: ctx.alarms.list().map((a) => `memberID:${a.memberId} alarm:${ALARM_NAMES[a.alarm] ?? a.alarm} `),
      isLearner: ctx.isLearner?.() === true,
    })),
    Defragment: unary(ctx, async (_req, call) => {
      adminOnly(ctx, call.metadata);
      await ctx.store.database.compactRange(Buffer.alloc(0), Buffer.alloc(64, 0xff));
      return { header: responseHeader(ctx) };
    }),
    Hash: unary(ctx, async (_req, call) => {
      adminOnly(ctx, call.metadata);
      const h = await ctx.store.hash();
      return { header: responseHeader(ctx, h.revision), hash: h.hash };
    }),
    HashKV: unary(ctx, async (req, call) => {
      adminOnly(ctx, call.metadata);
      const h = await ctx.store.hashKV(saturatingNumber(req.revision));
      return { header: responseHeader(ctx, h.revision), hash: h.hash, compact_revision: BigInt(h.compactRevision) };
    }),
    MoveLeader: unary(ctx, async (req, call) => {
      adminOnly(ctx, call.metadata);
      const target = req.targetID as bigint;
      if (ctx.transferLeader === undefined) {
        // The only member is the leader already; any other ID names no member (etcd's answer for unknown IDs).
        if (target === ctx.memberId) return { header: responseHeader(ctx) };
        throw new ServerError(ServerErrorCode.BadLeaderTransferee);
      }
      // As etcd: only the leader moves leadership, and only to a member.
      if (ctx.proposer.leaderId !== ctx.memberId) throw new ServerError(ServerErrorCode.NotLeader);
      if (target === ctx.memberId) return { header: responseHeader(ctx) };
      if (!ctx.members().some((m) => m.id === target)) throw new ServerError(ServerErrorCode.BadLeaderTransferee);
      await ctx.transferLeader(target);
      return { header: responseHeader(ctx) };
    }),
    Snapshot: (call: ServerWritableStream<Wire, Wire>) => {
      void streamSnapshot(ctx, call).catch((err: unknown) => call.emit('error', toServiceError(err)));
    },
  };
}

/** etcd 3.4 guards these calls with root-only checks whose errors reach the client untranslated ("auth: ..."). */
function adminOnly(ctx: ServerContext, metadata: Metadata): void {
  if (!ctx.auth.enabled) return;
  try {
    ctx.auth.authorize(metadata, (p) => p.admin());
  } catch (err) {
    throw asRawAuthError(err);
  }
}

/** The backend file in chunks, then its sha256 as a last 32-byte blob (etcdctl checks it). */
async function streamSnapshot(ctx: ServerContext, call: ServerWritableStream<Wire, Wire>): Promise<void> {
  checkRequireLeader(ctx, call.metadata);
  adminOnly(ctx, call.metadata);
  if (ctx.snapshot === undefined) throw new ServerError(ServerErrorCode.SnapshotUnavailable);
  const source = await ctx.snapshot();
  const sha = createHash('sha256');
  let remaining = source.sizeBytes;
  const send = async (blob: Buffer, remainingBytes: number) => {
    // No header: etcd 3.4 sends none on snapshot chunks.
    if (!call.write({ remaining_bytes: BigInt(remainingBytes), blob })) {
      await new Promise<void>((resolve) => call.once('drain', resolve));
    }
  };
  for await (const data of source.chunks) {
    for (let off = 0; off < data.length; off += SNAPSHOT_CHUNK_BYTES) {
      if (call.cancelled) return;
      const chunk = data.subarray(off, off + SNAPSHOT_CHUNK_BYTES);
      sha.update(chunk);
      remaining -= chunk.length;
      await send(chunk, remaining);
    }
  }
  await send(sha.digest(), 0);
  call.end();
}
