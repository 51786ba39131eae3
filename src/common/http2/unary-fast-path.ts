// Serves chosen unary gRPC methods straight from the HTTP/2 stream, ahead of grpc-js's per-call machinery
// (interceptor chain, readable/writable call objects, several promise and event hops per message), which costs
// more CPU than the rest of a KV request and sits on every write's latency path.
//
// The same registered handlers answer, with a call object carrying what they read (request, metadata, peer,
// path, cancellation), so errors still reach the wire through the one mapping each service uses. A request
// this path does not take exactly as grpc-js would (another content type, a compressed body, a malformed
// grpc-timeout) is handed to grpc-js untouched. Status texts for the cases it does handle are grpc-js's own, so
// that clients see the same answers whichever path served them.
import { EventEmitter } from 'node:events';
import type * as http2 from 'node:http2';
import { TLSSocket } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { assert } from '../../raft/assert.ts';
import { grpcHttp2ServerMap } from './grpc-internals.ts';
import { frameGrpcMessage, GRPC_MESSAGE_PREFIX_BYTES } from './grpc-message.ts';
import { isGrpcRequest, servePlainHttp2, type PlainHttpHandler } from './plain-http.ts';

/** A unary method to serve here: the codecs of its definition and the handler grpc-js would call. */
export interface FastUnaryMethod {
  definition: grpc.MethodDefinition<unknown, unknown>;
  handler: grpc.handleUnaryCall<unknown, unknown>;
}

/** Methods by path (`/package.Service/Method`). */
export type FastUnaryRoutes = ReadonlyMap<string, FastUnaryMethod>;

/** Adds every unary method of a service that has a handler to `routes`; streaming methods stay with grpc-js. */
export function addUnaryRoutes(routes: Map<string, FastUnaryMethod>, definition: grpc.ServiceDefinition, handlers: grpc.UntypedServiceImplementation): void {
  for (const [name, method] of Object.entries(definition)) {
    if (method.requestStream || method.responseStream || handlers[name] === undefined) continue;
    routes.set(method.path, { definition: method as grpc.MethodDefinition<unknown, unknown>, handler: handlers[name] as grpc.handleUnaryCall<unknown, unknown> });
  }
}

export interface FastPathLimits {
  /** As the server's grpc.max_receive_message_length. */
  maxReceiveBytes: number;
  /** As the server's grpc.max_send_message_length. */
  maxSendBytes: number;
}

const DEADLINE_REGEX = /^(\d{1,8})([HMSmun])$/;
const DEADLINE_UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1_000, m: 1, u: 0.001, n: 0.000001 };
/** Headers grpc-js keeps out of the metadata handed to handlers. */
const NOT_METADATA = ['grpc-timeout', 'grpc-encoding', 'grpc-accept-encoding', 'accept-encoding', 'te', 'content-type'];
const RESPONSE_HEADERS = {
  ':status': 200,
  'content-type': 'application/grpc+proto',
  'grpc-accept-encoding': 'identity,deflate,gzip',
  'grpc-encoding': 'identity',
};
const DEBUG_ERROR_DETAILS = (process.env.GRPC_NODE_DEBUG_SEND_ERROR_DETAILS ?? 'false') === 'true';

type StreamListener = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, flags: number, rawHeaders: string[]) => void;

/**
 * Puts the fast path in front of the HTTP/2 server that `server.createConnectionInjector` just made. grpc-js keeps
 * its HTTP/2 servers in a private map; the injector's is the one that was not there before. Throws when grpc-js no
 * longer looks like this, so an upgrade that moves it fails every test rather than silently losing the path.
 */
export function installFastUnaryPath(server: grpc.Server, before: ReadonlySet<unknown>, routes: FastUnaryRoutes, limits: FastPathLimits, plainHttp?: PlainHttpHandler): void {
  const internals = server as unknown as { onStreamOpened?: (stream: http2.ServerHttp2Stream) => void };
  const made = [...grpcHttp2ServerMap(server).keys()].filter((s) => !before.has(s));
  assert(made.length === 1, `expected one new grpc-js HTTP/2 server, found ${made.length}`);
  const h2 = made[0];
  const grpcListeners = h2.listeners('stream') as StreamListener[];
  assert(grpcListeners.length === 1, `expected grpc-js's one stream listener, found ${grpcListeners.length}`);
  h2.removeAllListeners('stream');
  h2.on('stream', (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, flags: number, rawHeaders: string[]) => {
    const route = routes.get(headers[':path'] ?? '');
    if (route === undefined || !plainUnaryRequest(headers)) {
      if (plainHttp !== undefined && !isGrpcRequest(headers)) return servePlainHttp2(stream, headers, plainHttp);
      for (const l of grpcListeners) l.call(h2, stream, headers, flags, rawHeaders);
      return;
    }
    // grpc-js counts open streams per session for its idle timeout; keep it informed.
    internals.onStreamOpened?.call(server, stream);
    serveUnary(stream, headers, route, limits);
  });
}

/** The grpc-js HTTP/2 servers that exist now, to tell the next injector's apart. */
export function grpcHttp2Servers(server: grpc.Server): Set<unknown> {
  return new Set(grpcHttp2ServerMap(server).keys());
}

function plainUnaryRequest(headers: http2.IncomingHttpHeaders): boolean {
  const contentType = headers['content-type'];
  if (typeof contentType !== 'string' || !contentType.startsWith('application/grpc')) return false;
  const encoding = headers['grpc-encoding'];
  if (encoding !== undefined && encoding !== 'identity') return false;
  const timeout = headers['grpc-timeout'];
  return timeout === undefined || (typeof timeout === 'string' && DEADLINE_REGEX.test(timeout));
}

interface Status {
  code: grpc.status;
  details: string;
  metadata?: grpc.Metadata | null;
}

/** What a unary handler may use of its call: the subset grpc-js's ServerUnaryCall offers that our services read. */
class FastUnaryCall extends EventEmitter {
  cancelled = false;
  readonly metadata: grpc.Metadata;

  constructor(
    private readonly stream: http2.ServerHttp2Stream,
    headers: http2.IncomingHttpHeaders,
    private readonly path: string,
    readonly request: unknown,
    private readonly deadline: number,
  ) {
    super();
    const metadata = grpc.Metadata.fromHttp2Headers(headers);
    for (const h of NOT_METADATA) metadata.remove(h);
    this.metadata = metadata;
  }

  getPeer(): string {
    const socket = this.stream.session?.socket;
    if (socket?.remoteAddress === undefined) return 'unknown';
    return socket.remotePort !== undefined ? `${socket.remoteAddress}:${socket.remotePort}` : socket.remoteAddress;
  }

  getPath(): string {
    return this.path;
  }

  getDeadline(): number {
    return this.deadline;
  }

  getHost(): string {
    return this.stream.session?.socket?.localAddress ?? '';
  }

  /** As grpc-js: the verified peer certificate of a TLS connection, nothing otherwise. */
  getAuthContext(): ReturnType<grpc.ServerUnaryCall<unknown, unknown>['getAuthContext']> {
    const socket = this.stream.session?.socket;
    if (!(socket instanceof TLSSocket) || !socket.authorized) return {};
    const certificate = socket.getPeerCertificate();
    return { transportSecurityType: 'ssl', sslPeerCertificate: certificate.raw ? certificate : undefined };
  }

  sendMetadata(): void {
    // Headers go out with the answer.
  }
}

function serveUnary(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, route: FastUnaryMethod, limits: FastPathLimits): void {
  const path = route.definition.path;
  let finished = false;
  let call: FastUnaryCall | undefined;
  let timer: NodeJS.Timeout | undefined;
  let deadline = Infinity;

  const closed = (): boolean => finished || stream.destroyed || stream.closed;
  const finish = (status: Status, message?: Buffer): void => {
    if (closed()) return;
    finished = true;
    if (timer !== undefined) clearTimeout(timer);
    const statusHeaders = { 'grpc-status': String(status.code), 'grpc-message': encodeURI(status.details), ...(status.metadata?.toHttp2Headers() ?? {}) };
    if (message === undefined) {
      // Trailers-only, as grpc-js answers every error.
      stream.respond({ ...RESPONSE_HEADERS, ...statusHeaders }, { endStream: true });
      return;
    }
    stream.respond(RESPONSE_HEADERS, { waitForTrailers: true });
    stream.once('wantTrailers', () => stream.sendTrailers(statusHeaders));
    stream.end(message);
  };

  stream.once('error', () => undefined); // its 'close' follows; nothing can be sent on a broken stream
  stream.once('close', () => {
    if (timer !== undefined) clearTimeout(timer);
    if (finished || call === undefined || call.cancelled) return;
    call.cancelled = true;
    call.emit('cancelled', 'cancelled');
  });

  const timeout = headers['grpc-timeout'];
  if (typeof timeout === 'string') {
    const m = DEADLINE_REGEX.exec(timeout);
    assert(m !== null, 'grpc-timeout checked before');
    const ms = Number(m[1]) * DEADLINE_UNIT_MS[m[2]] | 0;
    deadline = Date.now() + ms;
    timer = setTimeout(() => {
      finish({ code: grpc.status.DEADLINE_EXCEEDED, details: 'Deadline exceeded' });
      // The handler may still be working on it: tell it, as grpc-js does.
      if (call !== undefined && !call.cancelled) {
        call.cancelled = true;
        call.emit('cancelled', 'cancelled');
      }
    }, ms);
  }

  // The body: complete messages are cut out as they arrive, so an oversize one is refused before it is all read.
  // Chunks are joined once per message, not once per chunk.
  let chunks: Buffer[] = [];
  let buffered = 0;
  const messages: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => {
    if (finished) return;
    chunks.push(chunk);
    buffered += chunk.length;
    while (buffered >= GRPC_MESSAGE_PREFIX_BYTES) {
      if (chunks[0].length < GRPC_MESSAGE_PREFIX_BYTES) chunks = [Buffer.concat(chunks, buffered)];
      const length = chunks[0].readUInt32BE(1);
      if (limits.maxReceiveBytes !== -1 && length > limits.maxReceiveBytes) {
        finish({ code: grpc.status.RESOURCE_EXHAUSTED, details: `Received message larger than max (${length} vs ${limits.maxReceiveBytes})` });
        return;
      }
      if (buffered < GRPC_MESSAGE_PREFIX_BYTES + length) break;
      const all = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, buffered);
      messages.push(all.subarray(GRPC_MESSAGE_PREFIX_BYTES, GRPC_MESSAGE_PREFIX_BYTES + length));
      const rest = all.subarray(GRPC_MESSAGE_PREFIX_BYTES + length);
      chunks = rest.length > 0 ? [rest] : [];
      buffered = rest.length;
    }
  });
  stream.once('end', () => {
    if (finished) return;
    if (messages.length === 0) {
      finish({ code: grpc.status.UNIMPLEMENTED, details: `Received no request message for server streaming method ${path}` });
      return;
    }
    if (messages.length > 1) {
      finish({ code: grpc.status.UNIMPLEMENTED, details: `Received a second request message for server streaming method ${path}` });
      return;
    }
    let request: unknown;
    try {
      request = route.definition.requestDeserialize(messages[0]);
    } catch (err) {
      finish({ code: grpc.status.INTERNAL, details: DEBUG_ERROR_DETAILS ? `Error deserializing request: ${(err as Error).message}` : 'Error deserializing request' });
      return;
    }
    call = new FastUnaryCall(stream, headers, path, request, deadline);
    const respond: grpc.sendUnaryData<unknown> = (err, value, trailer) => {
      if (err !== null && err !== undefined) {
        finish(statusOf(err, trailer));
        return;
      }
      let body: Buffer;
      try {
        body = route.definition.responseSerialize(value);
      } catch (e) {
        finish({ code: grpc.status.INTERNAL, details: DEBUG_ERROR_DETAILS ? `Error serializing response: ${(e as Error).message}` : 'Error serializing response' });
        return;
      }
      if (limits.maxSendBytes !== -1 && body.length > limits.maxSendBytes) {
        finish({ code: grpc.status.RESOURCE_EXHAUSTED, details: `Sent message larger than max (${body.length + GRPC_MESSAGE_PREFIX_BYTES} vs. ${limits.maxSendBytes})` });
        return;
      }
      finish({ code: grpc.status.OK, details: 'OK', metadata: trailer ?? null }, frameGrpcMessage(body));
    };
    try {
      route.handler(call as unknown as grpc.ServerUnaryCall<unknown, unknown>, respond);
    } catch (err) {
      finish({ code: grpc.status.UNKNOWN, details: DEBUG_ERROR_DETAILS ? `Server method handler threw error ${(err as Error).message}` : 'Unknown error' });
    }
  });
}

/** grpc-js's reading of an error passed to a unary callback. */
function statusOf(error: Partial<grpc.StatusObject> | grpc.ServerErrorResponse, trailer?: grpc.Metadata): Status {
  const e = error as { code?: unknown; details?: unknown; message?: unknown; metadata?: grpc.Metadata };
  const status: Status = {
    code: grpc.status.UNKNOWN,
    details: 'message' in e ? String(e.message) : 'Unknown Error',
    metadata: trailer ?? e.metadata ?? null,
  };
  if (typeof e.code === 'number' && Number.isInteger(e.code)) {
    status.code = e.code;
    if (typeof e.details === 'string') status.details = e.details;
  }
  return status;
}
