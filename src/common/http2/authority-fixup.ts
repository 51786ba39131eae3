// Makes Go gRPC clients that put a URL in :authority acceptable to Node's HTTP/2 server.
//
// etcdctl 3.4 dials each endpoint of `endpoint status`, `endpoint hashkv`, `defrag` and `move-leader` through
// gRPC's passthrough resolver, so its requests carry `:authority: http://127.0.0.1:2379`. Go's server accepts
// that; nghttp2 (inside Node) resets the stream with PROTOCOL_ERROR because '/' is not allowed in an authority.
// This transform sits between the socket and the HTTP/2 server: every request header block is decoded with the
// client's dynamic table, the scheme and path are stripped from :authority, and the block is re-encoded without
// indexing (so the server's table stays empty and consistent). All other frames pass through untouched, except
// the client's ACK of the SETTINGS frame the connection sniffer sent on the server's behalf (connection-sniffer.ts).
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { HpackDecoder, encodeWithoutIndexing, type HeaderField } from './hpack-decoder.ts';

const PREFACE_BYTES = 24;
const FRAME_HEADER_BYTES = 9;
const TYPE_HEADERS = 0x1;
const TYPE_SETTINGS = 0x4;
const TYPE_CONTINUATION = 0x9;
const FLAG_ACK = 0x1;
const FLAG_END_STREAM = 0x1;
const FLAG_END_HEADERS = 0x4;
const FLAG_PADDED = 0x8;
const FLAG_PRIORITY = 0x20;
/** Node's default SETTINGS_MAX_FRAME_SIZE: re-encoded blocks are split into frames no larger. */
const MAX_FRAME_BYTES = 16_384;
/** A bound on one header block (HEADERS + CONTINUATIONs), far above any gRPC request's. */
const MAX_HEADER_BLOCK_BYTES = 1 << 20;

/** `http://host:port/x` → `host:port`; a valid authority comes back unchanged. */
export function normalizeAuthority(value: string): string {
  const scheme = value.indexOf('://');
  const rest = scheme >= 0 ? value.slice(scheme + 3) : value;
  const slash = rest.indexOf('/');
  return slash >= 0 ? rest.slice(0, slash) : rest;
}

export interface AuthorityFixupOptions {
  /** Bytes already read from the socket, from the connection's start. */
  initial?: Buffer;
  /** Drop the client's first SETTINGS ACK: it acknowledges a frame Node's server did not send. */
  dropSettingsAck?: boolean;
}

export class AuthorityFixupSocket extends Duplex {
  private readonly decoder = new HpackDecoder();
  private pending: Buffer = Buffer.alloc(0);
  private prefaceSeen = false;
  private block: { streamId: number; endStream: boolean; parts: Buffer[]; bytes: number } | undefined;
  private dropSettingsAck: boolean;

  constructor(
    private readonly socket: Socket,
    options: AuthorityFixupOptions = {},
  ) {
    super({ allowHalfOpen: false });
    this.dropSettingsAck = options.dropSettingsAck ?? false;
    socket.on('data', (chunk: Buffer) => this.onClientBytes(chunk));
    socket.on('end', () => this.push(null));
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => this.destroy());
    if (options.initial !== undefined && options.initial.length > 0) this.onClientBytes(options.initial);
  }

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }
  get remotePort(): number | undefined {
    return this.socket.remotePort;
  }
  get remoteFamily(): string | undefined {
    return this.socket.remoteFamily;
  }
  get localAddress(): string | undefined {
    return this.socket.localAddress;
  }
  get localPort(): number | undefined {
    return this.socket.localPort;
  }
  setNoDelay(noDelay?: boolean): this {
    this.socket.setNoDelay(noDelay);
    return this;
  }
  setKeepAlive(enable?: boolean, initialDelay?: number): this {
    this.socket.setKeepAlive(enable, initialDelay);
    return this;
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.socket.write(chunk, callback);
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.socket.end(callback);
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.socket.destroy();
    callback(err);
  }

  private onClientBytes(chunk: Buffer): void {
    let buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    const out: Buffer[] = [];
    let at = 0;
    if (!this.prefaceSeen) {
      if (buf.length < PREFACE_BYTES) {
        this.pending = buf;
        return;
      }
      this.prefaceSeen = true;
      at = PREFACE_BYTES;
    }
    let runStart = 0;
    try {
      while (buf.length - at >= FRAME_HEADER_BYTES) {
        const length = buf.readUIntBE(at, 3);
        const frameEnd = at + FRAME_HEADER_BYTES + length;
        if (frameEnd > buf.length) break;
        const type = buf[at + 3];
        if (this.dropSettingsAck && type === TYPE_SETTINGS && (buf[at + 4] & FLAG_ACK) !== 0 && length === 0) {
          if (at > runStart) out.push(buf.subarray(runStart, at));
          this.dropSettingsAck = false;
          runStart = frameEnd;
        } else if (type === TYPE_HEADERS || type === TYPE_CONTINUATION || this.block !== undefined) {
          if (at > runStart) out.push(buf.subarray(runStart, at));
          this.onHeaderFrame(type, buf[at + 4], buf.readUInt32BE(at + 5) & 0x7fff_ffff, buf.subarray(at + FRAME_HEADER_BYTES, frameEnd), out);
          runStart = frameEnd;
        }
        at = frameEnd;
      }
    } catch (err) {
      this.destroy(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (at > runStart) out.push(buf.subarray(runStart, at));
    buf = buf.subarray(at);
    this.pending = buf.length > 0 ? Buffer.from(buf) : Buffer.alloc(0);
    let more = true;
    for (const b of out) more = this.push(b);
    if (!more) this.socket.pause();
  }

  private onHeaderFrame(type: number, flags: number, streamId: number, payload: Buffer, out: Buffer[]): void {
    if (type === TYPE_HEADERS) {
      if (this.block !== undefined) throw new Error('http2: HEADERS inside an unfinished header block');
      let start = 0;
      let padding = 0;
      if (flags & FLAG_PADDED) {
        padding = payload[0];
        start = 1;
      }
      if (flags & FLAG_PRIORITY) start += 5;
      if (start + padding > payload.length) throw new Error('http2: malformed HEADERS frame');
      const fragment = payload.subarray(start, payload.length - padding);
      this.block = { streamId, endStream: (flags & FLAG_END_STREAM) !== 0, parts: [fragment], bytes: fragment.length };
    } else if (type === TYPE_CONTINUATION && this.block !== undefined && this.block.streamId === streamId) {
      this.block.parts.push(payload);
      this.block.bytes += payload.length;
    } else {
      throw new Error('http2: frame interleaved with a header block');
    }
    if (this.block.bytes > MAX_HEADER_BLOCK_BYTES) throw new Error('http2: header block too large');
    if ((flags & FLAG_END_HEADERS) === 0) return;
    const { streamId: id, endStream, parts } = this.block;
    this.block = undefined;
    const fields: HeaderField[] = this.decoder
      .decode(parts.length === 1 ? parts[0] : Buffer.concat(parts))
      .map(([name, value]) => (name === ':authority' ? [name, normalizeAuthority(value)] : [name, value]));
    pushHeaderFrames(id, endStream, encodeWithoutIndexing(fields), out);
  }
}

function pushHeaderFrames(streamId: number, endStream: boolean, block: Buffer, out: Buffer[]): void {
  let at = 0;
  let first = true;
  do {
    const size = Math.min(MAX_FRAME_BYTES, block.length - at);
    const last = at + size >= block.length;
    const header = Buffer.alloc(FRAME_HEADER_BYTES);
    header.writeUIntBE(size, 0, 3);
    header[3] = first ? TYPE_HEADERS : TYPE_CONTINUATION;
    header[4] = (first && endStream ? FLAG_END_STREAM : 0) | (last ? FLAG_END_HEADERS : 0);
    header.writeUInt32BE(streamId, 5);
    out.push(header, block.subarray(at, at + size));
    at += size;
    first = false;
  } while (at < block.length);
}
