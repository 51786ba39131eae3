// What etcd's Lock and Election services are built from (clientv3's concurrency recipes, run server-side): keys
// under a prefix ordered by create revision, a txn that creates a key only if absent, and waiting for every older
// key of the prefix to be deleted.
import { prefixEnd, SortOrder, SortTarget, EventType, type KeyValue } from '../mvcc/index.ts';
import type { Wire } from '../apply/wire-convert.ts';
import type { ServerContext } from './context.ts';
import { proposeAndWait } from './handlers.ts';
import { CanceledError } from './concurrency-errors.ts';

/** The prefix's oldest key (the lock holder, the election leader), or undefined. */
export function firstCreated(ctx: ServerContext, prefix: Buffer): KeyValue | undefined {
  const r = ctx.store.range({ key: prefix, rangeEnd: prefixEnd(prefix), sortOrder: SortOrder.Ascend, sortTarget: SortTarget.Create, limit: 1 });
  return r.kvs[0];
}

/** A txn through the log: put key (value, lease) if it does not exist, else read it. */
export async function createIfAbsent(ctx: ServerContext, key: Buffer, value: Buffer, lease: bigint): Promise<{ created: boolean; createRevision: number; value: Buffer; header: Wire }> {
  const body = ctx.codecs.type('etcdserverpb.TxnRequest').encode({
    compare: [{ result: 0, target: 1, key, create_revision: 0n }],
    success: [{ request_put: { key, value, lease } }],
    failure: [{ request_range: { key } }],
  });
  const { response } = await proposeAndWait(ctx, { kind: 'txn', body });
  const header = response.header as Wire;
  if (response.succeeded === true) return { created: true, createRevision: Number(header.revision as bigint), value, header };
  const kv = ((response.responses as Wire[])[0].response_range as Wire).kvs as Wire[];
  return { created: false, createRevision: Number(kv[0].create_revision as bigint), value: kv[0].value as Buffer, header };
}

export async function proposeDelete(ctx: ServerContext, key: Buffer): Promise<Wire> {
  const body = ctx.codecs.type('etcdserverpb.DeleteRangeRequest').encode({ key });
  return (await proposeAndWait(ctx, { kind: 'delete_range', body })).response;
}

/** Resolves when the store's next committed batch matches, or the signal aborts (then rejects). */
export function nextCommit(ctx: ServerContext, matches: (events: { type: EventType; key: Buffer }[]) => boolean, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new CanceledError());
    const onAbort = () => {
      off();
      reject(new CanceledError());
    };
    const off = ctx.store.onCommitted((batch) => {
      if (!matches(batch.events.map((e) => ({ type: e.type, key: e.kv.key })))) return;
      off();
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Waits until no key of the prefix has a create revision at or below maxCreateRevision. */
export async function waitDeletes(ctx: ServerContext, prefix: Buffer, maxCreateRevision: number, signal: AbortSignal): Promise<void> {
  for (;;) {
    await ctx.proposer.readBarrier();
    const r = ctx.store.range({
      key: prefix,
      rangeEnd: prefixEnd(prefix),
      maxCreateRevision,
      sortOrder: SortOrder.Descend,
      sortTarget: SortTarget.Create,
      limit: 1,
    });
    const last = r.kvs[0];
    if (last === undefined) return;
    await nextCommit(ctx, (events) => events.some((e) => e.type === EventType.Delete && e.key.equals(last.key)), signal);
  }
}

/** An AbortSignal that fires when the call is cancelled by the client. */
export function callSignal(call: { on(event: 'cancelled', fn: () => void): unknown; cancelled: boolean }): AbortSignal {
  const ac = new AbortController();
  if (call.cancelled) ac.abort();
  call.on('cancelled', () => ac.abort());
  return ac.signal;
}

/** clientv3 names a session's key by its lease ID in lowercase hex. */
export function sessionKey(prefix: Buffer, lease: bigint): Buffer {
  return Buffer.concat([prefix, Buffer.from(BigInt.asUintN(64, lease).toString(16))]);
}
