// Plain HTTP requests on a gRPC port. etcd's client port answers /health, /version and /metrics beside gRPC (curl,
// load-balancer and kubelet probes, `etcdctl check datascale` reading /metrics), over HTTP/1.x and over HTTP/2
// alike. One answer function serves both: HTTP/1.x connections (the sniffer's 'http1' decision) through
// node:http, and HTTP/2 streams without a gRPC content type from the unary fast path's stream listener.
import * as http from 'node:http';
import type * as http2 from 'node:http2';
import type { Socket } from 'node:net';

export interface PlainHttpAnswer {
  status: number;
  headers: Readonly<Record<string, string>>;
  body: string;
  /**
   * A body written over time instead of `body` (chunked on HTTP/1.1): called once the status and headers are out;
   * it writes through the sink until it ends it, or the client goes away (the sink's onClose).
   */
  stream?: (sink: PlainHttpSink) => void;
}

/** Where a streamed answer writes its body. */
export interface PlainHttpSink {
  write(chunk: string): void;
  end(): void;
  /** Called once when the response is done, ended by either side. */
  onClose(listener: () => void): void;
}

/** A client that reads slower than this much stays behind is cut off, rather than held in memory. */
const STREAM_BUFFER_BYTES_MAX = 64 * 1024 * 1024;

/** The sink over a Writable response (node:http's ServerResponse or an HTTP/2 stream). */
function sinkOver(out: NodeJS.WritableStream & { writableLength: number; destroy(): void; once(event: 'close', l: () => void): unknown }): PlainHttpSink {
  return {
    write: (chunk) => {
      out.write(chunk);
      if (out.writableLength > STREAM_BUFFER_BYTES_MAX) out.destroy();
    },
    end: () => void out.end(),
    onClose: (listener) => void out.once('close', listener),
  };
}

export interface PlainHttpRequest {
  method: string;
  /** The request target as sent (path and query). */
  url: string;
  /** The Authorization header, if any. */
  authorization?: string;
  body: Buffer;
  /** Called once when the exchange is over: answered, or the client went away first. */
  onClose?: (listener: () => void) => void;
}

/** Throws only on a bug: the adapters answer 500. */
export type PlainHttpHandler = (req: PlainHttpRequest) => Promise<PlainHttpAnswer>;

/** Bodies past this are refused (413): read to their end, but not kept. */
const BODY_BYTES_MAX = 16 * 1024 * 1024;
const TOO_LARGE: PlainHttpAnswer = { status: 413, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'request body too large\n' };

/** Reads a request body up to BODY_BYTES_MAX; undefined when it is larger. */
function readBody(stream: NodeJS.ReadableStream): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_BYTES_MAX) over = true;
      else chunks.push(chunk);
    });
    stream.once('end', () => resolve(over ? undefined : Buffer.concat(chunks, size)));
    stream.once('error', () => resolve(undefined));
  });
}

const INTERNAL_ERROR: PlainHttpAnswer = { status: 500, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'internal server error\n' };

/** The handler's answer to a request whose body is still to be read, from either protocol. */
function answer(handler: PlainHttpHandler, stream: NodeJS.ReadableStream, head: Omit<PlainHttpRequest, 'body'>): Promise<PlainHttpAnswer> {
  return readBody(stream)
    .then((body) => (body === undefined ? TOO_LARGE : handler({ ...head, body })))
    .catch(() => INTERNAL_ERROR);
}

/** Whether an HTTP/2 request is gRPC (everything else may be plain HTTP). */
export function isGrpcRequest(headers: http2.IncomingHttpHeaders): boolean {
  return (headers['content-type'] ?? '').startsWith('application/grpc');
}

/** An HTTP/1.x server that listens nowhere: connections are handed to it with `serveHttp1Connection`. */
export function plainHttp1Server(handler: PlainHttpHandler): http.Server {
  return http.createServer(plainHttpRequestListener(handler));
}

/** node:http's (or node:https's) request listener answering with `handler`. */
export function plainHttpRequestListener(handler: PlainHttpHandler): http.RequestListener {
  return (req, res) => {
    const method = req.method ?? 'GET';
    const onClose = (listener: () => void): void => void res.once('close', listener);
    void answer(handler, req, { method, url: req.url ?? '/', authorization: req.headers.authorization, onClose }).then((a) => {
      if (a.stream !== undefined) {
        res.writeHead(a.status, a.headers);
        res.flushHeaders();
        return a.stream(sinkOver(res));
      }
      res.writeHead(a.status, { ...a.headers, 'content-length': String(Buffer.byteLength(a.body)) });
      res.end(method === 'HEAD' ? undefined : a.body);
    });
  };
}

/** Hands an accepted connection, with the bytes already read from it, to the HTTP/1.x server. */
export function serveHttp1Connection(server: http.Server, socket: Socket, buffered: Buffer): void {
  if (buffered.length > 0) socket.unshift(buffered);
  server.emit('connection', socket);
  socket.resume();
}

/** Answers one HTTP/2 stream that is not gRPC. */
export function servePlainHttp2(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, handler: PlainHttpHandler): void {
  stream.once('error', () => undefined);
  const method = headers[':method'] ?? 'GET';
  const onClose = (listener: () => void): void => void stream.once('close', listener);
  void answer(handler, stream, { method, url: headers[':path'] ?? '/', authorization: headers.authorization, onClose }).then((a) => {
    if (stream.destroyed || stream.closed) return;
    if (a.stream !== undefined) {
      stream.respond({ ':status': a.status, ...a.headers });
      return a.stream(sinkOver(stream));
    }
    stream.respond({ ':status': a.status, ...a.headers, 'content-length': String(Buffer.byteLength(a.body)) });
    stream.end(method === 'HEAD' ? undefined : a.body);
  });
}
