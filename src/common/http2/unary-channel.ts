// Unary gRPC calls made straight on an HTTP/2 session, ahead of grpc-js's client. grpc-js runs every call through
// a resolving call, a retrying call, a load-balancing call, call credentials, a filter stack and a readable
// object stream, several promise and event hops each: under the k8s bench that machinery was ~12 % of an
// apiserver's CPU (its Range and Txn calls to the store) and as much again in every agent. The server side has the
// same shortcut (unary-fast-path.ts). Streams (watches) stay with grpc-js.
//
// What a caller sees is what grpc-js would give: the decoded response, or an Error with the gRPC `code`, `details`
// and trailing `metadata` (a grpc.Metadata), `message` spelled `<code> <NAME>: <details>`. A connection that cannot
// be made or is lost before the answer is UNAVAILABLE, so failover over several endpoints works as before.
import { readFileSync } from 'node:fs';
import * as http2 from 'node:http2';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { FLOW_CONTROL_WINDOW_BYTES } from './flow-control.ts';
import { frameGrpcMessage, GRPC_MESSAGE_PREFIX_BYTES } from './grpc-message.ts';

export interface UnaryChannelTls {
  /** PEM; undefined: the system's roots, as grpc-js. */
  caPem?: string;
  certPem?: string;
  keyPem?: string;
}

export interface UnaryChannelOptions {
  /** `host:port`. */
  address: string;
  /** TLS when given (the server's name checked against the address, as grpc-js does); plaintext HTTP/2 when not. */
  tls?: UnaryChannelTls;
  /** As grpc.max_receive_message_length; -1 or undefined: unbounded. */
  maxReceiveBytes?: number;
  /** Sent before grpc-js's own product token, as grpc.primary_user_agent is. */
  userAgent?: string;
}

export interface UnaryMethodCodec<Req, Res> {
  path: string;
  requestSerialize(value: Req): Buffer;
  responseDeserialize(bytes: Buffer): Res;
}

export interface UnaryCallOptions {
  /** Absolute deadline, ms since the epoch. */
  deadline: number;
  /** Request metadata (ASCII values): `authorization`, etcd's `hasleader`, ... */
  metadata?: Readonly<Record<string, string>>;
}

/** A failed call, shaped as grpc-js's ServiceError. */
export class UnaryCallError extends Error implements grpc.ServiceError {
  constructor(
    readonly code: grpc.status,
    readonly details: string,
    readonly metadata: grpc.Metadata = new grpc.Metadata(),
  ) {
    super(`${code} ${grpc.status[code]}: ${details}`);
    this.name = 'UnaryCallError';
  }
}

const GRPC_JS_PRODUCT = `grpc-node-js/${grpcJsVersion()}`;
const { NGHTTP2_CANCEL, NGHTTP2_NO_ERROR, NGHTTP2_REFUSED_STREAM, NGHTTP2_ENHANCE_YOUR_CALM, NGHTTP2_INADEQUATE_SECURITY } = http2.constants;
/** Headers of a response that are not trailing metadata. */
const NOT_METADATA = [':status', 'content-type', 'grpc-status', 'grpc-message', 'grpc-encoding', 'grpc-accept-encoding', 'date'];

/** One connection to one address, made when first needed and again after it is lost. */
export class UnaryChannel {
  private session: http2.ClientHttp2Session | undefined;
  private readonly authority: string;
  private readonly connectOptions: http2.SecureClientSessionOptions;
  private readonly userAgent: string;
  private readonly maxReceiveBytes: number;
  private closed = false;

  /** `onRelease`: what release() does (a shared channel counts its users); close() when not given. */
  constructor(
    options: UnaryChannelOptions,
    private readonly onRelease?: () => void,
  ) {
    this.authority = `${options.tls === undefined ? 'http' : 'https'}://${options.address}`;
    const tls = options.tls;
    this.connectOptions = {
      settings: { enablePush: false, initialWindowSize: FLOW_CONTROL_WINDOW_BYTES },
      // No SNI for an IP address (RFC 6066; Node warns otherwise); the certificate is still checked against it.
      ...(tls === undefined ? {} : { ca: tls.caPem, cert: tls.certPem, key: tls.keyPem, ALPNProtocols: ['h2'], ...(isIP(hostOf(options.address)) === 0 ? {} : { servername: '' }) }),
    };
    this.userAgent = options.userAgent === undefined ? GRPC_JS_PRODUCT : `${options.userAgent} ${GRPC_JS_PRODUCT}`;
    const max = options.maxReceiveBytes;
    this.maxReceiveBytes = max === undefined || max < 0 ? Infinity : max;
  }

  call<Req, Res>(method: UnaryMethodCodec<Req, Res>, request: Req, options: UnaryCallOptions): Promise<Res> {
    if (this.closed) return Promise.reject(new UnaryCallError(grpc.status.UNAVAILABLE, 'Channel has been shut down'));
    let body: Buffer;
    try {
      body = frameGrpcMessage(method.requestSerialize(request));
    } catch (err) {
      return Promise.reject(new UnaryCallError(grpc.status.INTERNAL, `Request message serialization failure: ${messageOf(err)}`));
    }
    const timeoutMs = Math.max(0, Math.ceil(options.deadline - Date.now()));
    if (timeoutMs === 0) return Promise.reject(new UnaryCallError(grpc.status.DEADLINE_EXCEEDED, 'Deadline exceeded'));
    return new Promise<Res>((resolve, reject) => this.send(method, body, timeoutMs, options.metadata, resolve, reject));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The caller is done with this channel: closed unless others share it. */
  release(): void {
    if (this.onRelease === undefined) this.close();
    else this.onRelease();
  }

  close(): void {
    this.closed = true;
    this.session?.close();
    this.session = undefined;
  }

  private send<Res>(
    method: UnaryMethodCodec<never, Res>,
    body: Buffer,
    timeoutMs: number,
    metadata: Readonly<Record<string, string>> | undefined,
    resolve: (response: Res) => void,
    reject: (e: Error) => void,
  ): void {
    let session: http2.ClientHttp2Session;
    let stream: http2.ClientHttp2Stream;
    try {
      session = this.connected();
      stream = session.request({
        ':method': 'POST',
        ':path': method.path,
        'content-type': 'application/grpc',
        te: 'trailers',
        'grpc-timeout': `${timeoutMs}m`,
        'user-agent': this.userAgent,
        ...metadata,
      });
    } catch (err) {
      // A session that can take no more streams (closing, its stream IDs spent): the next call makes a new one.
      this.drop(this.session);
      reject(new UnaryCallError(grpc.status.UNAVAILABLE, messageOf(err)));
      return;
    }
    const chunks: Buffer[] = [];
    let received = 0;
    let headers: http2.IncomingHttpHeaders | undefined;
    let trailers: http2.IncomingHttpHeaders | undefined;
    let failure: UnaryCallError | undefined;
    let streamError: Error | undefined;
    const timer = setTimeout(() => {
      failure ??= new UnaryCallError(grpc.status.DEADLINE_EXCEEDED, 'Deadline exceeded');
      stream.close(NGHTTP2_CANCEL);
    }, timeoutMs);
    stream.on('response', (h) => (headers = h));
    stream.on('trailers', (t) => (trailers = t));
    stream.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received - GRPC_MESSAGE_PREFIX_BYTES > this.maxReceiveBytes && failure === undefined) {
        failure = new UnaryCallError(grpc.status.RESOURCE_EXHAUSTED, `Received message larger than max (${received - GRPC_MESSAGE_PREFIX_BYTES} vs. ${this.maxReceiveBytes})`);
        stream.close(NGHTTP2_CANCEL);
        return;
      }
      chunks.push(chunk);
    });
    stream.on('error', (err) => (streamError = err));
    stream.on('close', () => {
      clearTimeout(timer);
      if (failure !== undefined) return reject(failure);
      const gone = session.closed || session.destroyed ? (sessionErrors.get(session) ?? streamError ?? new Error('the connection closed')) : undefined;
      const outcome = settle(headers, trailers, chunks, received, stream.rstCode, gone);
      if (outcome instanceof UnaryCallError) return reject(outcome);
      let response: Res;
      try {
        response = method.responseDeserialize(outcome);
      } catch (err) {
        return reject(new UnaryCallError(grpc.status.INTERNAL, `Response message parsing error: ${messageOf(err)}`));
      }
      resolve(response);
    });
    stream.end(body);
  }

  private connected(): http2.ClientHttp2Session {
    const existing = this.session;
    if (existing !== undefined && !existing.closed && !existing.destroyed) return existing;
    const session = http2.connect(this.authority, this.connectOptions);
    session.on('connect', () => {
      try {
        session.setLocalWindowSize(FLOW_CONTROL_WINDOW_BYTES);
      } catch {
        // closing already
      }
    });
    session.on('error', (err) => sessionErrors.set(session, err));
    session.on('goaway', () => this.drop(session));
    session.on('close', () => this.drop(session));
    // The connection alone does not keep the process alive (grpc-js unrefs idle ones too); a call's deadline timer does.
    session.unref();
    this.session = session;
    return session;
  }

  private drop(session: http2.ClientHttp2Session | undefined): void {
    if (session !== undefined && this.session === session) this.session = undefined;
  }
}

const shared = new Map<string, { channel: UnaryChannel; users: number }>();

/**
 * A channel shared by every caller in the process with the same address, TLS material and user agent, as grpc-js
 * shares a connection between clients with equal credentials: a hundred hollow kubelets, each with its own bearer
 * token, ride one connection per apiserver. Each caller gives its share back with `release()`.
 */
export function sharedUnaryChannel(options: UnaryChannelOptions): UnaryChannel {
  const key = JSON.stringify([options.address, options.tls?.caPem, options.tls?.certPem, options.tls?.keyPem, options.maxReceiveBytes, options.userAgent]);
  let entry = shared.get(key);
  if (entry === undefined || entry.channel.isClosed) {
    const channel: UnaryChannel = new UnaryChannel(options, () => {
      const e = shared.get(key);
      if (e === undefined || e.channel !== channel) return channel.close();
      if (--e.users === 0) {
        shared.delete(key);
        channel.close();
      }
    });
    entry = { channel, users: 0 };
    shared.set(key, entry);
  }
  entry.users++;
  return entry.channel;
}

function hostOf(address: string): string {
  const host = address.slice(0, address.lastIndexOf(':'));
  return host.startsWith('[') ? host.slice(1, -1) : host;
}

const sessionErrors = new WeakMap<http2.ClientHttp2Session, Error>();

/** The call's outcome once its stream closed: the message, or the error grpc-js would report. */
function settle(
  headers: http2.IncomingHttpHeaders | undefined,
  trailers: http2.IncomingHttpHeaders | undefined,
  chunks: Buffer[],
  received: number,
  rstCode: number | undefined,
  connectionLost: Error | undefined,
): Buffer | UnaryCallError {
  // A trailers-only answer carries its status in the headers.
  const statusHeaders = trailers ?? (headers?.['grpc-status'] !== undefined ? headers : undefined);
  if (statusHeaders === undefined) {
    if (headers !== undefined && Number(headers[':status']) !== 200) return httpStatusError(Number(headers[':status']));
    // The connection failed or went away under the call: nothing was answered.
    if (connectionLost !== undefined) return new UnaryCallError(grpc.status.UNAVAILABLE, `Connection dropped. Last error: ${messageOf(connectionLost)}`);
    return resetError(rstCode);
  }
  const code = Number(statusHeaders['grpc-status']);
  if (!Number.isInteger(code) || code < 0 || code > 16) return new UnaryCallError(grpc.status.UNKNOWN, `Invalid status code ${String(statusHeaders['grpc-status'])}`);
  if (code !== grpc.status.OK) return new UnaryCallError(code, decodeMessage(statusHeaders['grpc-message']), metadataOf(statusHeaders));
  const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, received);
  if (body.length < GRPC_MESSAGE_PREFIX_BYTES) return new UnaryCallError(grpc.status.UNIMPLEMENTED, 'No message received');
  if (body[0] !== 0) return new UnaryCallError(grpc.status.INTERNAL, 'Compressed message received without grpc-encoding');
  const length = body.readUInt32BE(1);
  if (body.length !== GRPC_MESSAGE_PREFIX_BYTES + length) return new UnaryCallError(grpc.status.UNIMPLEMENTED, 'Received a malformed or second message for a unary call');
  return body.subarray(GRPC_MESSAGE_PREFIX_BYTES);
}

/** grpc-js's reading of a stream the server reset without a status. */
function resetError(rstCode: number | undefined): UnaryCallError {
  switch (rstCode) {
    case NGHTTP2_REFUSED_STREAM:
      return new UnaryCallError(grpc.status.UNAVAILABLE, 'Stream refused by server');
    case NGHTTP2_CANCEL:
      return new UnaryCallError(grpc.status.CANCELLED, 'Call cancelled');
    case NGHTTP2_ENHANCE_YOUR_CALM:
      return new UnaryCallError(grpc.status.RESOURCE_EXHAUSTED, 'Bandwidth exhausted or memory limit exceeded');
    case NGHTTP2_INADEQUATE_SECURITY:
      return new UnaryCallError(grpc.status.PERMISSION_DENIED, 'Protocol not secure enough');
    case undefined:
    case NGHTTP2_NO_ERROR:
      return new UnaryCallError(grpc.status.INTERNAL, 'Stream ended without a status');
    default:
      return new UnaryCallError(grpc.status.INTERNAL, `Received RST_STREAM with code ${rstCode}`);
  }
}

/** gRPC's mapping of an HTTP status without a gRPC status. */
function httpStatusError(status: number): UnaryCallError {
  const code =
    status === 400 ? grpc.status.INTERNAL
    : status === 401 ? grpc.status.UNAUTHENTICATED
    : status === 403 ? grpc.status.PERMISSION_DENIED
    : status === 404 ? grpc.status.UNIMPLEMENTED
    : status === 429 || status === 502 || status === 503 || status === 504 ? grpc.status.UNAVAILABLE
    : grpc.status.UNKNOWN;
  return new UnaryCallError(code, `Received HTTP status code ${status}`);
}

function metadataOf(headers: http2.IncomingHttpHeaders): grpc.Metadata {
  const copy: http2.IncomingHttpHeaders = { ...headers };
  for (const h of NOT_METADATA) delete copy[h];
  return grpc.Metadata.fromHttp2Headers(copy);
}

function decodeMessage(raw: string | string[] | undefined): string {
  const text = Array.isArray(raw) ? raw.join(',') : (raw ?? '');
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function grpcJsVersion(): string {
  // Read once: the product token grpc-js itself would send.
  try {
    return (JSON.parse(readPackageJson()) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function readPackageJson(): string {
  return readFileSync(createRequire(import.meta.url).resolve('@grpc/grpc-js/package.json'), 'utf8');
}
