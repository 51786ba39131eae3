// Shared plumbing of unary handlers: the `hasleader` requirement, errors through grpc-errors.ts, and the
// response header.
import { status as Status, type Metadata, type sendUnaryData, type ServerUnaryCall, type handleUnaryCall } from '@grpc/grpc-js';
import { isServerError, ServerError, ServerErrorCode } from '../apply/errors.ts';
import { AuthErrorCode, isAuthError } from '../auth/index.ts';
import { AlarmType } from '../apply/alarms.ts';
import { AlarmAction } from '../apply/applier.ts';
import type { ApplyResult } from '../apply/entry-applier.ts';
import type { Proposal } from '../apply/proposer.ts';
import type { Wire } from '../apply/wire-convert.ts';
import type { ServerContext } from './context.ts';
import { withHeader } from './context.ts';
import { grpcStatusOf, toServiceError } from './grpc-errors.ts';
import { ThroughClientError } from './concurrency-errors.ts';

/**
 * A 64-bit request value clamped into the exactly representable range. For revisions, TTLs and limits this keeps
 * etcd's meaning (no revision or TTL reaches 2^53, so "far beyond" stays far beyond) where an exact conversion
 * would throw on fuzzed input.
 */
export function saturatingNumber(value: unknown): number {
  const v = value === undefined || value === null ? 0n : BigInt(value as bigint);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER;
  if (v < BigInt(Number.MIN_SAFE_INTEGER)) return Number.MIN_SAFE_INTEGER;
  return Number(v);
}

/** clientv3's WithRequireLeader sets this metadata; without a leader such calls fail at once. */
export function checkRequireLeader(ctx: ServerContext, metadata: Metadata): void {
  const v = metadata.get('hasleader');
  if (v.length > 0 && String(v[0]) === 'true' && !ctx.hasLeader()) throw new ServerError(ServerErrorCode.NoLeader);
}

/** Longest wait for the Authenticate entry a token names; a member a heartbeat or two behind catches up well within. */
const TOKEN_APPLY_WAIT_MS = 5_000;

/**
 * Resolves once this member has applied the Authenticate entry the call's token names (etcd's simple tokens end
 * in that index, and etcd waits for it the same way), or after TOKEN_APPLY_WAIT_MS; the token is judged after.
 * Undefined, the common case, when there is nothing to wait for.
 */
export function tokenApplied(ctx: ServerContext, metadata: Metadata): Promise<void> | undefined {
  const index = ctx.auth.unappliedTokenIndex(metadata, ctx.store.consistentIndex);
  if (index === undefined) return undefined;
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      stop();
      resolve();
    };
    const stop = ctx.store.onCommitted(() => {
      if (ctx.store.consistentIndex >= index) done();
    });
    const timer = setTimeout(done, TOKEN_APPLY_WAIT_MS);
  });
}

type UnaryFn = (req: Wire, call: ServerUnaryCall<Wire, Wire>) => Promise<Wire> | Wire;

/**
 * For etcd's Lock and Election services, which run clientv3 inside the server: every error reaches the client as
 * Unknown with the error's text (etcd's own texts included), as real etcd answers.
 */
export function unaryThroughClient(ctx: ServerContext, fn: UnaryFn): handleUnaryCall<Wire, Wire> {
  return unary(ctx, async (req, call) => {
    try {
      return await fn(req, call);
    } catch (err) {
      const s = grpcStatusOf(err);
      if (s.code === Status.CANCELLED || s.code === Status.UNKNOWN) throw err;
      throw new ThroughClientError(s.details);
    }
  });
}

export function unary(ctx: ServerContext, fn: UnaryFn): handleUnaryCall<Wire, Wire> {
  return (call: ServerUnaryCall<Wire, Wire>, callback: sendUnaryData<Wire>) => {
    let result: Promise<Wire>;
    try {
      checkRequireLeader(ctx, call.metadata);
      const waiting = tokenApplied(ctx, call.metadata);
      result = waiting === undefined ? Promise.resolve(fn(call.request, call)) : waiting.then(() => fn(call.request, call));
    } catch (err) {
      result = Promise.reject(err);
    }
    result.then(
      (resp) => callback(null, resp),
      (err: unknown) => {
        const error = toServiceError(err);
        const s = grpcStatusOf(err);
        if (s.code === Status.UNKNOWN && s.expected !== true) ctx.logger.warn({ err, path: call.getPath() }, 'request failed with an unexpected error');
        callback(error);
      },
    );
  };
}

/** Bound on proposing again because auth changed between the permission check and the apply. */
const MAX_AUTH_RETRIES = 16;

/**
 * Proposes and unwraps the applied result: the response with a full header, or the operating error thrown.
 * `authorize` runs the request's permission checks and gives the auth revision to stamp (ctx.auth.authorize);
 * when auth changed before the entry applied, it runs again and the request is proposed again (as etcd).
 */
export async function proposeAndWait(
  ctx: ServerContext,
  proposal: Proposal,
  authorize?: () => bigint,
): Promise<{ response: Wire; result: ApplyResult & { ok: true } }> {
  let result = await ctx.proposer.propose(authorize === undefined ? proposal : { ...proposal, authRevision: authorize() });
  for (let retry = 0; authorize !== undefined && !result.ok && isAuthError(result.error, AuthErrorCode.AuthOldRevision) && retry < MAX_AUTH_RETRIES; retry++) {
    result = await ctx.proposer.propose({ ...proposal, authRevision: authorize() });
  }
  if (!result.ok) {
    if (isServerError(result.error, ServerErrorCode.NoSpace)) raiseNoSpaceAlarm(ctx);
    throw result.error;
  }
  return { response: withHeader(ctx, result.response), result };
}

/** As etcd: a write refused for space raises NOSPACE for this member, through the log, once. */
function raiseNoSpaceAlarm(ctx: ServerContext): void {
  if (ctx.alarms.has(AlarmType.NoSpace)) return;
  const body = ctx.codecs.type('etcdserverpb.AlarmRequest').encode({ action: AlarmAction.Activate, memberID: ctx.memberId, alarm: AlarmType.NoSpace });
  ctx.proposer.propose({ kind: 'alarm', body }).then(
    () => ctx.logger.warn({ memberId: ctx.memberId.toString(16) }, 'alarm NOSPACE raised: writes refused until the alarm is disarmed'),
    (err: unknown) => ctx.logger.error({ err }, 'could not raise the NOSPACE alarm'),
  );
}
