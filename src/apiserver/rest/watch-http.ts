// A watch over HTTP/1.1: a 200 with chunked JSON, one `{"type":…,"object":…}` per line, until the timeout, the
// client leaving, or the cache ending the watch. A resourceVersion the cache no longer holds is reported the way
// kube-apiserver's cache reports it: a single ERROR event carrying a 410 Expired Status.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from '../types.ts';
import { eventJson, type CacheWatch, type WatchEventType } from '../watch-cache/index.ts';
import type { Representation } from './http-util.ts';
import type { ListQuery, ResourceRegistry } from './registry.ts';
import { apiVersionOf } from './resources.ts';
import { ApiError } from './status.ts';
import { buildTable, partialObjectMetadata, type IncludeObject } from './table.ts';

/** A client this far behind (bytes queued in the socket) is cut off rather than buffered without bound. */
const PENDING_BYTES_MAX = 16 * 1024 * 1024;
const EVENT_END = Buffer.from('}\n');

export interface WatchHttpOptions {
  bookmarks: boolean;
  timeoutMs: number;
  representation: Representation;
  includeObject: IncludeObject;
  req: IncomingMessage;
  res: ServerResponse;
}

export async function watchOverHttp(registry: ResourceRegistry, namespace: string, query: ListQuery, options: WatchHttpOptions): Promise<void> {
  const { res, req } = options;
  let watch: CacheWatch | null = null;
  let finished = false;
  let timer: NodeJS.Timeout | null = null;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    watch?.stop();
    if (timer !== null) clearTimeout(timer);
    if (!res.writableEnded) res.end();
  };
  const start = (): void => {
    if (res.headersSent) return;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
  };
  const write = (line: string | Buffer): void => {
    if (finished) return;
    start();
    res.write(line);
    if (res.writableLength > PENDING_BYTES_MAX) finish();
  };
  const send = (type: WatchEventType | 'BOOKMARK' | 'ERROR', object: unknown): void => write(`${JSON.stringify({ type, object })}\n`);
  const present = (obj: KubeObject): unknown => {
    if (options.representation.as === 'Table') {
      return buildTable(registry.def.printer, [obj], { includeObject: options.includeObject, resourceVersion: obj.metadata?.resourceVersion });
    }
    if (options.representation.as === 'PartialObjectMetadata') return partialObjectMetadata(obj);
    return obj;
  };

  req.on('close', finish);
  res.on('close', finish);
  try {
    watch = await registry.watch(namespace, query, options.bookmarks, {
      event: (type, obj) => {
        const shown = present(obj);
        if (shown !== obj) return send(type, shown);
        // The object as it is: its JSON is shared with every other watcher of the event (eventJson).
        write(Buffer.concat([Buffer.from(`{"type":${JSON.stringify(type)},"object":`), eventJson(obj), EVENT_END]));
      },
      bookmark: (revision) =>
        send('BOOKMARK', { kind: registry.def.kind, apiVersion: apiVersionOf(registry.def), metadata: { resourceVersion: String(revision) } }),
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
  if (finished) {
    watch.stop();
    return;
  }
  start();
  timer = setTimeout(finish, options.timeoutMs);
}
