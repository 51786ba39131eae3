// etcd's Watch service: one WatchStream of the hub per gRPC stream; this file only converts messages, honours
// `hasleader`, stops pulling responses while the transport is full, and drives progress notification.
import type { ServerDuplexStream, UntypedServiceImplementation } from '@grpc/grpc-js';
import type { WatchCreateRequest, WatchRequest, WatchStream } from '../watch/index.ts';
import type { Wire } from '../apply/wire-convert.ts';
import { encodeWatchResponse } from './watch-response-wire.ts';
import { ServerError, ServerErrorCode } from '../apply/errors.ts';
import type { ServerContext } from './context.ts';
import { headerFields, responseHeader } from './context.ts';
import { GRPC_CODE_NAMES, grpcStatusOf, toServiceError } from './grpc-errors.ts';
import { checkRequireLeader, tokenApplied, saturatingNumber } from './handlers.ts';
import { directMessageWriter, type MessageWriter } from '../../common/http2/grpc-internals.ts';

/** etcd's default progress-notify interval. */
export const DEFAULT_PROGRESS_NOTIFY_MS = 10 * 60 * 1000;

/**
 * Watch IDs are numbers in the hub; an ID past 2^53 cannot be one. etcd would take it, but no client picks such
 * IDs (clientv3 lets the server choose), so the stream refuses it (NaN) rather than silently renumbering it.
 */
function watchIdFromWire(v: unknown): number {
  const n = saturatingNumber(v);
  return BigInt(n) === BigInt(v as bigint) ? n : Number.NaN;
}

function createFromWire(w: Wire): WatchCreateRequest {
  const rangeEnd = w.range_end as Buffer;
  return {
    key: w.key as Buffer,
    rangeEnd: rangeEnd.length === 0 ? undefined : rangeEnd,
    // A start past 2^53 is as far in the future as the exact one: no revision reaches either.
    startRevision: saturatingNumber(w.start_revision),
    progressNotify: w.progress_notify as boolean,
    filters: w.filters as number[],
    prevKv: w.prev_kv as boolean,
    watchId: watchIdFromWire(w.watch_id),
    fragment: w.fragment as boolean,
  };
}

export function watchRequestFromWire(w: Wire): WatchRequest | undefined {
  switch (w.request_union) {
    case 'create_request':
      return { createRequest: createFromWire(w.create_request as Wire) };
    case 'cancel_request':
      return { cancelRequest: { watchId: watchIdFromWire((w.cancel_request as Wire).watch_id) } };
    case 'progress_request':
      return { progressRequest: {} };
    default:
      return undefined;
  }
}

export function watchService(ctx: ServerContext, progressNotifyMs = DEFAULT_PROGRESS_NOTIFY_MS): UntypedServiceImplementation {
  return {
    Watch: (call: ServerDuplexStream<Wire, Wire>) => {
      try {
        checkRequireLeader(ctx, call.metadata);
      } catch (err) {
        call.emit('error', toServiceError(err));
        return;
      }
      const stream = ctx.hub.newStream();
      // Beneath grpc-js's Writable, which would pass one response per event-loop turn (directMessageWriter); the
      // pump's responses and a refusal go the same way, so that neither can overtake the other.
      const write = directMessageWriter(call);
      const ticker = setInterval(() => stream.progressTick(), progressNotifyMs);
      ticker.unref();
      const finish = () => {
        clearInterval(ticker);
        stream.close();
      };
      const serve = () =>
        call.on('data', (req: Wire) => {
          const domain = watchRequestFromWire(req);
          if (domain === undefined) return;
          if ('createRequest' in domain && ctx.auth.enabled) {
            const refusal = watchRefusal(ctx, call, req.create_request as Wire);
            if (refusal !== undefined) return void write(refusal, () => undefined);
          }
          stream.handle(domain);
        });
      // Requests wait in the stream until the token can be judged (see tokenApplied).
      const waiting = tokenApplied(ctx, call.metadata);
      if (waiting === undefined) serve();
      else void waiting.then(serve);
      // A client that half-closes its send side still gets events, as from etcd (whose receive loop ends on EOF
      // without ending the stream): only a cancel, a transport error or the server ends it.
      call.on('cancelled', finish);
      call.on('error', finish);
      void pump(ctx, call, stream, write).then(() => {
        finish();
        // The hub closed the stream while the client still listens: the server is stopping.
        if (!call.cancelled && !call.destroyed) call.emit('error', toServiceError(new ServerError(ServerErrorCode.Stopped)));
      });
    },
  };
}

/** As etcd: a watch on keys the caller may not read is created and cancelled at once, saying why. */
function watchRefusal(ctx: ServerContext, call: ServerDuplexStream<Wire, Wire>, create: Wire): Wire | undefined {
  try {
    const rangeEnd = create.range_end as Buffer;
    ctx.auth.checkFor(ctx.auth.callerOf(call.metadata)).read(create.key as Buffer, rangeEnd.length === 0 ? undefined : rangeEnd);
    return undefined;
  } catch (err) {
    const s = grpcStatusOf(err);
    const reason = `rpc error: code = ${GRPC_CODE_NAMES[s.code] ?? 'Unknown'} desc = ${s.details}`;
    return { header: responseHeader(ctx), watch_id: -1n, created: true, canceled: true, cancel_reason: reason, events: [] };
  }
}

/** Responses handed to HTTP/2 and not yet on the socket before the pump stops pulling from the stream. */
const WRITES_IN_FLIGHT_MAX = 64;

async function pump(ctx: ServerContext, call: ServerDuplexStream<Wire, Wire>, stream: WatchStream, write: MessageWriter): Promise<void> {
  let inFlight = 0;
  let wake: (() => void) | null = null;
  const settled = (): void => {
    inFlight--;
    wake?.();
  };
  const onClose = (): void => wake?.();
  call.on('close', onClose);
  call.on('cancelled', onClose);
  try {
    for await (const r of stream) {
      if (call.cancelled || call.destroyed) return;
      inFlight++;
      write(encodeWatchResponse(headerFields(ctx), r), settled);
      while (inFlight >= WRITES_IN_FLIGHT_MAX && !call.cancelled && !call.destroyed) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
      }
    }
  } finally {
    call.off('close', onClose);
    call.off('cancelled', onClose);
  }
}
