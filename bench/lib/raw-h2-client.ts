// The leanest client: HTTP/2 spoken directly over a TCP socket, for unary gRPC calls only. node:http2 spends most
// of a request in its per-stream JavaScript objects, events and header conversion; here a call is one pre-encoded
// HEADERS block plus one DATA frame written into a corked socket, and a response is recognized from frame headers
// alone.
//
// What it leaves out, on purpose: it never decodes response headers (no HPACK decoder). It announces a header
// table of size 0 so the server's header blocks need no state, and judges a call by its body: a unary gRPC server
// sends a response message only with status OK, so "a message arrived before END_STREAM" is OK and anything else
// is an error whose status is not decoded (use Http2GrpcClient, which reads grpc-status, to see error texts).
// No server push, no priorities, no TLS.
import net from 'node:net';
import { GRPC_STATUS_OK, GRPC_STATUS_UNAVAILABLE, type UnaryCallback, type UnaryGrpcClient, type UnaryReply } from './http2-grpc-client.ts';

const FRAME_HEADER_BYTES = 9;
const TYPE_DATA = 0x0;
const TYPE_HEADERS = 0x1;
const TYPE_RST_STREAM = 0x3;
const TYPE_SETTINGS = 0x4;
const TYPE_PING = 0x6;
const TYPE_GOAWAY = 0x7;
const TYPE_WINDOW_UPDATE = 0x8;
const TYPE_CONTINUATION = 0x9;
const FLAG_END_STREAM = 0x1;
const FLAG_ACK = 0x1;
const FLAG_END_HEADERS = 0x4;
const FLAG_PADDED = 0x8;
const SETTING_HEADER_TABLE_SIZE = 0x1;
const SETTING_ENABLE_PUSH = 0x2;
const SETTING_MAX_CONCURRENT_STREAMS = 0x3;
const SETTING_INITIAL_WINDOW_SIZE = 0x4;
const SETTING_MAX_FRAME_SIZE = 0x5;
const WINDOW_MAX = 2 ** 31 - 1;
const DEFAULT_WINDOW = 65_535;
const DEFAULT_MAX_FRAME = 16_384;
const CONNECTION_WINDOW_REFILL_BYTES = 64 * 1024 * 1024;
const STREAM_ID_MAX = 2 ** 31 - 1;
/** GRPC "unknown": the server ended the call without a message, status not decoded. */
export const GRPC_STATUS_UNKNOWN = 2;
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

interface PendingCall {
  frame: Buffer;
  headerBlock: Buffer;
  callback: UnaryCallback;
}

interface OpenCall {
  callback: UnaryCallback;
  chunks: Buffer[] | null;
  first: Buffer | null;
  /** Bytes of the request body not yet sent (waiting for send window), or null when all sent. */
  unsent: Buffer | null;
  sendWindow: number;
}

export class RawH2GrpcClient implements UnaryGrpcClient {
  private next = 0;

  private constructor(private readonly connections: RawH2Connection[]) {}

  static async connect(urls: readonly string[], options: { connections: number }): Promise<RawH2GrpcClient> {
    if (urls.length === 0) throw new Error('no endpoints');
    const connections = await Promise.all(Array.from({ length: options.connections }, (_, i) => RawH2Connection.open(urls[i % urls.length])));
    return new RawH2GrpcClient(connections);
  }

  unary(path: string, frame: Buffer, callback: UnaryCallback): void {
    const connection = this.connections[this.next];
    this.next = (this.next + 1) % this.connections.length;
    connection.unary(path, frame, callback);
  }

  unaryAsync(path: string, frame: Buffer): Promise<UnaryReply> {
    return new Promise((resolve) => this.unary(path, frame, resolve));
  }

  async close(): Promise<void> {
    await Promise.all(this.connections.map((c) => c.close()));
  }
}

class RawH2Connection {
  private nextStreamId = 1;
  private readonly calls = new Map<number, OpenCall>();
  private readonly queued: PendingCall[] = [];
  private readonly headerBlocks = new Map<string, Buffer>();
  private inbound: Buffer = Buffer.alloc(0);
  private peerMaxStreams = Number.POSITIVE_INFINITY;
  private peerInitialWindow = DEFAULT_WINDOW;
  private peerMaxFrame = DEFAULT_MAX_FRAME;
  private sendWindow = DEFAULT_WINDOW;
  private receivedSinceRefill = 0;
  private flushScheduled = false;
  private broken: string | null = null;
  /** Streams waiting for send window (large requests only). */
  private readonly blocked = new Set<number>();

  private constructor(
    private readonly socket: net.Socket,
    private readonly authority: string,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(err.message));
    socket.on('close', () => this.fail('connection closed'));
    const settings = settingsFrame([
      [SETTING_HEADER_TABLE_SIZE, 0],
      [SETTING_ENABLE_PUSH, 0],
      [SETTING_INITIAL_WINDOW_SIZE, WINDOW_MAX],
    ]);
    socket.write(Buffer.concat([PREFACE, settings, windowUpdateFrame(0, WINDOW_MAX - DEFAULT_WINDOW)]));
  }

  static open(url: string): Promise<RawH2Connection> {
    const u = new URL(url);
    if (u.protocol !== 'http:') throw new Error(`raw HTTP/2 client speaks cleartext only, got ${url}`);
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: u.hostname, port: Number(u.port === '' ? 80 : u.port) });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawH2Connection(socket, u.host));
      });
    });
  }

  unary(path: string, frame: Buffer, callback: UnaryCallback): void {
    // Answered on a later turn, so that a closed loop over a dead connection cannot recurse without end.
    if (this.broken !== null) return failLater(callback, this.broken);
    let headerBlock = this.headerBlocks.get(path);
    if (headerBlock === undefined) {
      headerBlock = requestHeaderBlock(path, this.authority);
      this.headerBlocks.set(path, headerBlock);
    }
    const call: PendingCall = { frame, headerBlock, callback };
    if (this.calls.size >= this.peerMaxStreams) this.queued.push(call);
    else this.start(call);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.end(goawayFrame());
      setTimeout(() => this.socket.destroy(), 1000).unref();
    });
  }

  private start(call: PendingCall): void {
    const id = this.nextStreamId;
    if (id > STREAM_ID_MAX) return failLater(call.callback, 'stream ids exhausted');
    this.nextStreamId += 2;
    const open: OpenCall = { callback: call.callback, chunks: null, first: null, unsent: call.frame, sendWindow: this.peerInitialWindow };
    this.calls.set(id, open);
    this.write(frameHeader(call.headerBlock.length, TYPE_HEADERS, FLAG_END_HEADERS, id));
    this.write(call.headerBlock);
    this.sendBody(id, open);
  }

  /** Sends as much of the body as the windows allow, in frames of at most the peer's max frame size. */
  private sendBody(id: number, call: OpenCall): void {
    let rest = call.unsent;
    while (rest !== null) {
      const size = Math.min(rest.length, this.peerMaxFrame, this.sendWindow, call.sendWindow);
      if (size <= 0 && rest.length > 0) {
        this.blocked.add(id);
        break;
      }
      const last = size === rest.length;
      this.write(frameHeader(size, TYPE_DATA, last ? FLAG_END_STREAM : 0, id));
      if (size > 0) this.write(rest.subarray(0, size));
      this.sendWindow -= size;
      call.sendWindow -= size;
      rest = last ? null : rest.subarray(size);
    }
    call.unsent = rest;
    if (rest === null) this.blocked.delete(id);
  }

  private write(bytes: Buffer): void {
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      this.socket.cork();
      process.nextTick(() => {
        this.flushScheduled = false;
        this.socket.uncork();
      });
    }
    this.socket.write(bytes);
  }

  private onData(chunk: Buffer): void {
    let data = this.inbound.length === 0 ? chunk : Buffer.concat([this.inbound, chunk]);
    let offset = 0;
    while (data.length - offset >= FRAME_HEADER_BYTES) {
      const length = data.readUIntBE(offset, 3);
      if (data.length - offset < FRAME_HEADER_BYTES + length) break;
      const type = data[offset + 3];
      const flags = data[offset + 4];
      const streamId = data.readUInt32BE(offset + 5) & 0x7fffffff;
      const payload = data.subarray(offset + FRAME_HEADER_BYTES, offset + FRAME_HEADER_BYTES + length);
      offset += FRAME_HEADER_BYTES + length;
      this.onFrame(type, flags, streamId, payload);
    }
    data = data.subarray(offset);
    this.inbound = data.length === 0 ? Buffer.alloc(0) : Buffer.from(data);
  }

  private onFrame(type: number, flags: number, streamId: number, payload: Buffer): void {
    switch (type) {
      case TYPE_DATA: {
        this.receivedSinceRefill += payload.length;
        if (this.receivedSinceRefill >= CONNECTION_WINDOW_REFILL_BYTES) {
          this.write(windowUpdateFrame(0, this.receivedSinceRefill));
          this.receivedSinceRefill = 0;
        }
        const call = this.calls.get(streamId);
        if (call === undefined) return;
        const body = stripPadding(payload, flags);
        if (body.length > 0) {
          if (call.first === null) call.first = body;
          else (call.chunks ??= []).push(body);
        }
        if ((flags & FLAG_END_STREAM) !== 0) this.finish(streamId, call, null);
        return;
      }
      case TYPE_HEADERS:
      case TYPE_CONTINUATION: {
        // Only END_STREAM matters; with CONTINUATION it is carried by the HEADERS frame, and the stream is
        // finished once the block is whole, which the server sends back to back.
        const call = this.calls.get(streamId);
        if (call !== undefined && type === TYPE_HEADERS && (flags & FLAG_END_STREAM) !== 0) this.finish(streamId, call, null);
        return;
      }
      case TYPE_RST_STREAM: {
        const call = this.calls.get(streamId);
        if (call !== undefined) this.finish(streamId, call, `stream reset by the server (http2 code ${payload.readUInt32BE(0)})`);
        return;
      }
      case TYPE_SETTINGS:
        if ((flags & FLAG_ACK) === 0) {
          this.applySettings(payload);
          this.write(settingsAckFrame());
        }
        return;
      case TYPE_PING:
        if ((flags & FLAG_ACK) === 0) {
          this.write(frameHeader(8, TYPE_PING, FLAG_ACK, 0));
          this.write(Buffer.from(payload));
        }
        return;
      case TYPE_WINDOW_UPDATE: {
        const increment = payload.readUInt32BE(0) & 0x7fffffff;
        if (streamId === 0) this.sendWindow += increment;
        else {
          const call = this.calls.get(streamId);
          if (call !== undefined) call.sendWindow += increment;
        }
        for (const id of [...this.blocked]) {
          const call = this.calls.get(id);
          if (call === undefined) this.blocked.delete(id);
          else this.sendBody(id, call);
        }
        return;
      }
      case TYPE_GOAWAY:
        this.fail(`GOAWAY from the server (http2 code ${payload.readUInt32BE(4)})`);
        return;
      default:
        return; // PRIORITY, PUSH_PROMISE (disabled), unknown types: ignored as the spec allows
    }
  }

  private applySettings(payload: Buffer): void {
    for (let i = 0; i + 6 <= payload.length; i += 6) {
      const id = payload.readUInt16BE(i);
      const value = payload.readUInt32BE(i + 2);
      if (id === SETTING_MAX_CONCURRENT_STREAMS) this.peerMaxStreams = value;
      else if (id === SETTING_MAX_FRAME_SIZE) this.peerMaxFrame = value;
      else if (id === SETTING_INITIAL_WINDOW_SIZE) {
        const delta = value - this.peerInitialWindow;
        this.peerInitialWindow = value;
        for (const call of this.calls.values()) call.sendWindow += delta;
      }
    }
  }

  private finish(streamId: number, call: OpenCall, error: string | null): void {
    this.calls.delete(streamId);
    this.blocked.delete(streamId);
    let reply: UnaryReply;
    if (error !== null) reply = { status: GRPC_STATUS_UNAVAILABLE, message: error, body: null };
    else {
      const whole = call.first === null ? null : call.chunks === null ? call.first : Buffer.concat([call.first, ...call.chunks]);
      reply =
        whole !== null && whole.length >= 5
          ? { status: GRPC_STATUS_OK, message: '', body: whole.subarray(5, 5 + whole.readUInt32BE(1)) }
          : { status: GRPC_STATUS_UNKNOWN, message: 'gRPC error (status not decoded by the raw client)', body: null };
    }
    while (this.queued.length > 0 && this.calls.size < this.peerMaxStreams) this.start(this.queued.shift() as PendingCall);
    call.callback(reply);
  }

  private fail(reason: string): void {
    if (this.broken !== null) return;
    this.broken = reason;
    const calls = [...this.calls.values()];
    this.calls.clear();
    const queued = this.queued.splice(0);
    for (const c of calls) c.callback({ status: GRPC_STATUS_UNAVAILABLE, message: reason, body: null });
    for (const c of queued) c.callback({ status: GRPC_STATUS_UNAVAILABLE, message: reason, body: null });
    this.socket.destroy();
  }
}

function failLater(callback: UnaryCallback, message: string): void {
  setImmediate(() => callback({ status: GRPC_STATUS_UNAVAILABLE, message, body: null }));
}

function frameHeader(length: number, type: number, flags: number, streamId: number): Buffer {
  const h = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  h.writeUIntBE(length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(streamId, 5);
  return h;
}

function settingsFrame(entries: readonly [number, number][]): Buffer {
  const payload = Buffer.alloc(6 * entries.length);
  entries.forEach(([id, value], i) => {
    payload.writeUInt16BE(id, 6 * i);
    payload.writeUInt32BE(value, 6 * i + 2);
  });
  return Buffer.concat([frameHeader(payload.length, TYPE_SETTINGS, 0, 0), payload]);
}

function settingsAckFrame(): Buffer {
  return frameHeader(0, TYPE_SETTINGS, FLAG_ACK, 0);
}

function windowUpdateFrame(streamId: number, increment: number): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(increment, 0);
  return Buffer.concat([frameHeader(4, TYPE_WINDOW_UPDATE, 0, streamId), payload]);
}

function goawayFrame(): Buffer {
  return Buffer.concat([frameHeader(8, TYPE_GOAWAY, 0, 0), Buffer.alloc(8)]);
}

function stripPadding(payload: Buffer, flags: number): Buffer {
  if ((flags & FLAG_PADDED) === 0) return payload;
  return payload.subarray(1, payload.length - payload[0]);
}

/**
 * HPACK for a gRPC request without the dynamic table (RFC 7541 §6.1 indexed fields, §6.2.2 literals without
 * indexing, no Huffman coding): :method POST (static 3), :scheme http (static 6), :path (static name 4),
 * :authority (static name 1), content-type (static name 31), te: trailers (literal name).
 */
export function requestHeaderBlock(path: string, authority: string): Buffer {
  const parts: Buffer[] = [Buffer.from([0x83, 0x86])];
  const literalIndexedName = (index: number, value: string): void => {
    parts.push(hpackInteger(index, 4, 0x00), hpackString(value));
  };
  literalIndexedName(4, path);
  literalIndexedName(1, authority);
  literalIndexedName(31, 'application/grpc');
  parts.push(Buffer.from([0x00]), hpackString('te'), hpackString('trailers'));
  return Buffer.concat(parts);
}

function hpackInteger(value: number, prefixBits: number, firstByteFlags: number): Buffer {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Buffer.from([firstByteFlags | value]);
  const out = [firstByteFlags | max];
  let rest = value - max;
  while (rest >= 0x80) {
    out.push((rest & 0x7f) | 0x80);
    rest >>= 7;
  }
  out.push(rest);
  return Buffer.from(out);
}

function hpackString(text: string): Buffer {
  const bytes = Buffer.from(text, 'latin1');
  return Buffer.concat([hpackInteger(bytes.length, 7, 0x00), bytes]);
}

