// The server side of one SPDY/3.1 connection, as kubectl's streaming calls (exec, port-forward) use it after an
// HTTP upgrade: the client opens every stream (SYN_STREAM with its headers), each is answered at once with an
// empty SYN_REPLY, and each is a Duplex: data frames in, data frames out, FIN both ways, RST_STREAM to abort.
//
// Frames are handled strictly in arrival order through one promise chain, since a stream's headers inflate
// asynchronously and its data must not overtake them. No flow control is sent or obeyed: Go's spdystream, on the
// other end, neither sends WINDOW_UPDATE nor expects it; socket back-pressure is what bounds our writes.
import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import { encodeData, encodeGoAway, encodePing, encodeRstStream, encodeSynReply, FrameParser, RstStatus, SpdyProtocolError, type Frame } from './frames.ts';
import { HeaderCompressor, HeaderDecompressor, type SpdyHeaders } from './header-block.ts';

/** Data frames we write are at most this long (kubectl's own size). */
const DATA_FRAME_BYTES_MAX = 32 * 1024;
/** Streams a session may hold open at once (port-forward opens two per forwarded connection). */
export const SESSION_STREAMS_MAX = 1000;

export class SpdyStream extends Duplex {
  /** The peer ended its side (FIN or reset). */
  private remoteEnded = false;

  constructor(
    readonly id: number,
    readonly headers: SpdyHeaders,
    private readonly session: SpdyServerSession,
  ) {
    super({ allowHalfOpen: true });
  }

  /** The first value of a header, '' when absent. */
  header(name: string): string {
    return this.headers.get(name.toLowerCase())?.[0] ?? '';
  }

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.session.writeData(this.id, chunk, false, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.session.writeData(this.id, Buffer.alloc(0), true, callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.session.forget(this.id, !this.remoteEnded || !this.writableFinished);
    callback(error);
  }

  /** Data from the peer. */
  deliver(data: Buffer, fin: boolean): void {
    if (this.remoteEnded) return;
    if (data.length > 0) this.push(data);
    if (fin) {
      this.remoteEnded = true;
      this.push(null);
    }
  }

  /** The peer reset the stream, or the connection went away. */
  abort(): void {
    this.remoteEnded = true;
    this.push(null);
    this.destroy();
  }
}

export interface SpdySessionEvents {
  stream: [SpdyStream];
  close: [];
  error: [Error];
}

export class SpdyServerSession extends EventEmitter<SpdySessionEvents> {
  private readonly parser = new FrameParser();
  private readonly decompressor = new HeaderDecompressor();
  private readonly compressor = new HeaderCompressor();
  private readonly streams = new Map<number, SpdyStream>();
  private lastStreamId = 0;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly socket: Duplex) {
    super();
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('end', () => this.close());
    socket.on('close', () => this.close());
    socket.on('error', () => this.close());
  }

  /** Streams still open. */
  get openStreams(): number {
    return this.streams.size;
  }

  /** Ends the session: GOAWAY, then the connection once our queued frames are out. */
  end(): void {
    if (this.closed) return;
    this.socket.write(encodeGoAway(this.lastStreamId));
    this.socket.end();
    this.close();
  }

  writeData(streamId: number, data: Buffer, fin: boolean, callback: (error?: Error | null) => void): void {
    if (this.closed) return callback(new Error('SPDY connection closed'));
    let ok = true;
    for (let at = 0; at < data.length || (at === 0 && data.length === 0); at += DATA_FRAME_BYTES_MAX) {
      const part = data.subarray(at, at + DATA_FRAME_BYTES_MAX);
      const last = at + DATA_FRAME_BYTES_MAX >= data.length;
      ok = this.socket.write(encodeData(streamId, part, fin && last));
      if (data.length === 0) break;
    }
    if (ok) callback();
    else this.socket.once('drain', () => callback());
  }

  /** A stream is done with: reset it on the wire when it did not end cleanly both ways. */
  forget(streamId: number, reset: boolean): void {
    if (!this.streams.delete(streamId)) return;
    if (reset && !this.closed) this.socket.write(encodeRstStream(streamId, RstStatus.Cancel));
  }

  private receive(chunk: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.parser.push(chunk);
    } catch (err) {
      return this.fail(err as Error);
    }
    for (const frame of frames) this.chain = this.chain.then(() => this.handle(frame)).catch((err: unknown) => this.fail(err as Error));
  }

  private async handle(frame: Frame): Promise<void> {
    if (this.closed) return;
    switch (frame.kind) {
      case 'syn-stream':
        return this.open(frame.streamId, frame.fin, await this.decompressor.decompress(frame.headerBlock));
      case 'headers':
      case 'syn-reply':
        await this.decompressor.decompress(frame.headerBlock); // keeps the shared inflate state in step
        if (frame.fin) this.streams.get(frame.streamId)?.deliver(Buffer.alloc(0), true);
        return;
      case 'data': {
        const stream = this.streams.get(frame.streamId);
        if (stream === undefined) return void this.socket.write(encodeRstStream(frame.streamId, RstStatus.InvalidStream));
        return stream.deliver(frame.data, frame.fin);
      }
      case 'rst-stream':
        return this.streams.get(frame.streamId)?.abort();
      case 'ping':
        // Odd ids are the client's; an even one would answer a ping of ours, and we send none.
        if (frame.id % 2 === 1) this.socket.write(encodePing(frame.id));
        return;
      case 'goaway':
        return this.close();
      case 'other':
        return; // SETTINGS, WINDOW_UPDATE: nothing we act on
    }
  }

  private open(streamId: number, fin: boolean, headers: SpdyHeaders): void {
    if (streamId % 2 === 0 || streamId <= this.lastStreamId) throw new SpdyProtocolError(`stream id ${streamId} out of order`);
    this.lastStreamId = streamId;
    if (this.streams.size >= SESSION_STREAMS_MAX) return void this.socket.write(encodeRstStream(streamId, RstStatus.RefusedStream));
    const stream = new SpdyStream(streamId, headers, this);
    this.streams.set(streamId, stream);
    this.socket.write(encodeSynReply(streamId, this.compressor.compress(new Map()), false));
    if (fin) stream.deliver(Buffer.alloc(0), true);
    this.emit('stream', stream);
  }

  private fail(err: Error): void {
    if (this.closed) return;
    this.emit('error', err);
    this.socket.write(encodeGoAway(this.lastStreamId, 1));
    this.socket.destroy();
    this.close();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.decompressor.close();
    for (const stream of [...this.streams.values()]) stream.abort();
    this.streams.clear();
    this.emit('close');
  }
}
