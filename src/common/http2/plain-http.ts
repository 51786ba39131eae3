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
}

/** `url` is the request target as sent (path and query). Throws only on a bug: the adapters answer 500. */
export type PlainHttpHandler = (method: string, url: string) => Promise<PlainHttpAnswer>;

const INTERNAL_ERROR: PlainHttpAnswer = { status: 500, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'internal server error\n' };

/** Whether an HTTP/2 request is gRPC (everything else may be plain HTTP). */
export function isGrpcRequest(headers: http2.IncomingHttpHeaders): boolean {
  return (headers['content-type'] ?? '').startsWith('application/grpc');
}

/** An HTTP/1.x server that listens nowhere: connections are handed to it with `serveHttp1Connection`. */
export function plainHttp1Server(handler: PlainHttpHandler): http.Server {
  return http.createServer((req, res) => {
    req.resume(); // a body is not read, but must not stall the connection
    handler(req.method ?? 'GET', req.url ?? '/')
      .catch(() => INTERNAL_ERROR)
      .then((answer) => {
        res.writeHead(answer.status, { ...answer.headers, 'content-length': String(Buffer.byteLength(answer.body)) });
        res.end(req.method === 'HEAD' ? undefined : answer.body);
      });
  });
}

/** Hands an accepted connection, with the bytes already read from it, to the HTTP/1.x server. */
export function serveHttp1Connection(server: http.Server, socket: Socket, buffered: Buffer): void {
  if (buffered.length > 0) socket.unshift(buffered);
  server.emit('connection', socket);
  socket.resume();
}

/** Answers one HTTP/2 stream that is not gRPC. */
export function servePlainHttp2(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, handler: PlainHttpHandler): void {
  stream.resume();
  stream.once('error', () => undefined);
  const method = headers[':method'] ?? 'GET';
  handler(method, headers[':path'] ?? '/')
    .catch(() => INTERNAL_ERROR)
    .then((answer) => {
      if (stream.destroyed || stream.closed) return;
      stream.respond({ ':status': answer.status, ...answer.headers, 'content-length': String(Buffer.byteLength(answer.body)) });
      stream.end(method === 'HEAD' ? undefined : answer.body);
    });
}
