// A lean gRPC client over node:http2: the caller hands in pre-encoded frames (grpc-frame.ts) and gets back the
// grpc-status and the raw response message, nothing decoded. Many streams share each connection; calls go round
// robin over the connections, and connections round robin over the endpoints. Callback-based on the hot path so a
// request costs one http2 stream and no promise.
import http2 from 'node:http2';
import { GrpcFrameParser } from './grpc-frame.ts';

export const GRPC_STATUS_OK = 0;
export const GRPC_STATUS_UNAVAILABLE = 14;
export const GRPC_STATUS_INTERNAL = 13;

export interface UnaryReply {
  /** grpc-status; UNAVAILABLE when the stream broke before the server answered. */
  status: number;
  /** grpc-message, or the local error's text. */
  message: string;
  /** The response message without its 5-byte frame header; null when there was none. */
  body: Buffer | null;
}

export type UnaryCallback = (reply: UnaryReply) => void;

/** What the workloads need of a client for unary calls; both http2 clients provide it. */
export interface UnaryGrpcClient {
  unary(path: string, frame: Buffer, callback: UnaryCallback): void;
  unaryAsync(path: string, frame: Buffer): Promise<UnaryReply>;
  close(): Promise<void>;
}

export interface Http2GrpcClientOptions {
  /** Connections in total, spread over the endpoints. */
  connections: number;
  /** Flow-control window per stream and per connection (large ranges answer megabytes). */
  windowBytes?: number;
}

export interface GrpcBidiStream {
  write(frame: Buffer): void;
  /** Half-closes and forgets the stream; the server's trailers are not waited for. */
  cancel(): void;
}

const DEFAULT_WINDOW_BYTES = 16 * 1024 * 1024;
const MAX_SESSION_MEMORY_MB = 256;

export class Http2GrpcClient implements UnaryGrpcClient {
  private next = 0;
  private readonly headersByPath = new Map<string, http2.OutgoingHttpHeaders>();

  private constructor(private readonly sessions: http2.ClientHttp2Session[]) {}

  /** Opens every connection and waits until each is connected. */
  static async connect(urls: readonly string[], options: Http2GrpcClientOptions): Promise<Http2GrpcClient> {
    if (urls.length === 0) throw new Error('no endpoints');
    if (!(options.connections >= 1)) throw new Error(`connections must be >= 1, got ${options.connections}`);
    const windowBytes = options.windowBytes ?? DEFAULT_WINDOW_BYTES;
    const sessions = await Promise.all(
      Array.from({ length: options.connections }, (_, i) => openSession(urls[i % urls.length], windowBytes)),
    );
    return new Http2GrpcClient(sessions);
  }

  get connectionCount(): number {
    return this.sessions.length;
  }

  /** One unary call: sends the frame, calls back once with the status and the response message. */
  unary(path: string, frame: Buffer, callback: UnaryCallback): void {
    let stream: http2.ClientHttp2Stream;
    try {
      stream = this.pickSession().request(this.headers(path), { endStream: false });
    } catch (err) {
      // A closed session throws; answer on a later turn so a closed loop cannot recurse without end.
      setImmediate(() => callback({ status: GRPC_STATUS_UNAVAILABLE, message: (err as Error).message, body: null }));
      return;
    }
    let status = -1;
    let message = '';
    let first: Buffer | null = null;
    let rest: Buffer[] | null = null;
    let done = false;
    const readStatus = (headers: http2.IncomingHttpHeaders): void => {
      const s = headers['grpc-status'];
      if (s !== undefined) {
        status = Number(s);
        const m = headers['grpc-message'];
        if (typeof m === 'string') message = decodeURIComponent(m);
      }
    };
    stream.on('response', readStatus);
    stream.on('trailers', readStatus);
    stream.on('data', (chunk: Buffer) => {
      if (first === null) first = chunk;
      else (rest ??= []).push(chunk);
    });
    stream.on('error', (err: Error) => {
      if (status < 0) {
        status = GRPC_STATUS_UNAVAILABLE;
        message = err.message;
      }
    });
    stream.on('close', () => {
      if (done) return;
      done = true;
      if (status < 0) {
        status = GRPC_STATUS_INTERNAL;
        message = `stream closed without grpc-status (http2 code ${stream.rstCode})`;
      }
      let body: Buffer | null = null;
      if (first !== null) {
        const whole: Buffer = rest === null ? first : Buffer.concat([first, ...rest]);
        if (whole.length >= 5) body = whole.subarray(5, 5 + whole.readUInt32BE(1));
      }
      callback({ status, message, body });
    });
    stream.end(frame);
  }

  unaryAsync(path: string, frame: Buffer): Promise<UnaryReply> {
    return new Promise((resolve) => this.unary(path, frame, resolve));
  }

  /**
   * A bidirectional stream (Watch): every response message goes to `onMessage`; `onEnd` runs once with the status
   * when the stream ends for any reason other than `cancel()`.
   */
  openStream(path: string, onMessage: (message: Buffer) => void, onEnd: (status: number, message: string) => void): GrpcBidiStream {
    const stream = this.pickSession().request(this.headers(path), { endStream: false });
    const parser = new GrpcFrameParser(onMessage);
    let status = -1;
    let message = '';
    let canceled = false;
    const readStatus = (headers: http2.IncomingHttpHeaders): void => {
      if (headers['grpc-status'] !== undefined) {
        status = Number(headers['grpc-status']);
        message = String(headers['grpc-message'] ?? '');
      }
    };
    stream.on('response', readStatus);
    stream.on('trailers', readStatus);
    stream.on('data', (chunk: Buffer) => parser.push(chunk));
    stream.on('error', (err: Error) => {
      if (status < 0) [status, message] = [GRPC_STATUS_UNAVAILABLE, err.message];
    });
    stream.on('close', () => {
      if (!canceled) onEnd(status < 0 ? GRPC_STATUS_INTERNAL : status, message);
    });
    return {
      write: (frame) => void stream.write(frame),
      cancel: () => {
        canceled = true;
        stream.close(http2.constants.NGHTTP2_CANCEL);
      },
    };
  }

  /** Closes every connection; calls in flight end with UNAVAILABLE. */
  async close(): Promise<void> {
    await Promise.all(
      this.sessions.map(
        (s) =>
          new Promise<void>((done) => {
            if (s.closed || s.destroyed) return done();
            s.close(() => done());
            setTimeout(() => {
              s.destroy();
              done();
            }, 2000).unref();
          }),
      ),
    );
  }

  private pickSession(): http2.ClientHttp2Session {
    const session = this.sessions[this.next];
    this.next = (this.next + 1) % this.sessions.length;
    return session;
  }

  private headers(path: string): http2.OutgoingHttpHeaders {
    let headers = this.headersByPath.get(path);
    if (headers === undefined) {
      headers = { ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers' };
      this.headersByPath.set(path, headers);
    }
    return headers;
  }
}

function openSession(url: string, windowBytes: number): Promise<http2.ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url, {
      settings: { initialWindowSize: Math.min(windowBytes, 2 ** 31 - 1), enablePush: false },
      maxSessionMemory: MAX_SESSION_MEMORY_MB,
    });
    const onError = (err: Error): void => reject(err);
    session.once('error', onError);
    session.once('connect', () => {
      session.off('error', onError);
      session.on('error', () => {}); // surfaced per stream as UNAVAILABLE
      session.setLocalWindowSize(windowBytes);
      resolve(session);
    });
  });
}
