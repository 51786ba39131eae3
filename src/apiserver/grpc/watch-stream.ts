// A watch as a gRPC server stream: WatchEvents until the client cancels, the timeout passes or the cache ends the
// watch. A resourceVersion the cache no longer holds becomes one ERROR event carrying the 410 Expired Status and a
// clean end, as the REST watch reports it, so clients handle "relist" the same way on both front ends.
import * as grpc from '@grpc/grpc-js';
import { directMessageWriter } from '../../common/http2/grpc-internals.ts';
import type { KubeObject } from '../types.ts';
import { eventJson, type CacheWatch } from '../watch-cache/index.ts';
import type { ResourceRegistry } from '../rest/registry.ts';
import { apiVersionOf } from '../rest/resources.ts';
import { ApiError } from '../rest/status.ts';
import { listQueryOf } from './list-options.ts';
import { EVENT_TYPES, type WatchEventMsg, type WatchRequestMsg, type WireEventType } from './wire.ts';

/** A client this far behind (bytes queued in the stream) is cut off rather than buffered without bound. */
const PENDING_BYTES_MAX = 16 * 1024 * 1024;

export async function watchOverGrpc(registry: ResourceRegistry, req: WatchRequestMsg, call: grpc.ServerWritableStream<WatchRequestMsg, unknown>): Promise<void> {
  let watch: CacheWatch | null = null;
  let finished = false;
  let timer: NodeJS.Timeout | null = null;
  let pendingBytes = 0;
  const write = directMessageWriter(call);
  const finish = (): void => {
    if (finished) return;
    finished = true;
    watch?.stop();
    if (timer !== null) clearTimeout(timer);
    if (!call.cancelled && !call.writableEnded) call.end();
  };
  const send = (type: WireEventType, object: unknown, bytes: Buffer = Buffer.from(JSON.stringify(object), 'utf8')): void => {
    if (finished) return;
    const message: Partial<WatchEventMsg> = { type: EVENT_TYPES.indexOf(type), object: bytes };
    pendingBytes += bytes.length;
    write(message, () => (pendingBytes -= bytes.length));
    if (pendingBytes > PENDING_BYTES_MAX) finish();
  };
  call.on('cancelled', finish);
  const query = listQueryOf(req.options, true);
  try {
    watch = await registry.watch(req.namespace, query, req.allow_watch_bookmarks, {
      event: (type, obj: KubeObject) => send(type, obj, eventJson(obj)),
      bookmark: (revision) => send('BOOKMARK', { kind: registry.def.kind, apiVersion: apiVersionOf(registry.def), metadata: { resourceVersion: String(revision) } }),
      closed: finish,
    });
  } catch (err) {
    if (err instanceof ApiError && err.code === 410) {
      send('ERROR', err.toStatus());
      finish();
      return;
    }
    throw err;
  }
  if (finished || call.cancelled) {
    finished = true;
    watch.stop();
    return;
  }
  // Headers now, so the client knows the watch is established even before the first event.
  call.sendMetadata(new grpc.Metadata());
  const timeoutSeconds = Number(req.timeout_seconds);
  if (timeoutSeconds > 0) timer = setTimeout(finish, timeoutSeconds * 1000);
}
