// A SPDY client for tests, speaking as kubectl's (Go spdystream) does: one deflate stream against the SPDY
// dictionary for its header blocks, a sync flush after each; the HTTP upgrade first.
import net from 'node:net';
import zlib from 'node:zlib';
import { SPDY3_HEADER_DICTIONARY } from './dictionary.ts';
import { encodeData, encodeSynStream, FrameParser, type Frame } from './frames.ts';
import { decodeHeaderPairs, encodeHeaderPairs, type SpdyHeaders } from './header-block.ts';

export type FrameOf<K extends Frame['kind']> = Extract<Frame, { kind: K }> | (K extends 'syn-reply' | 'headers' ? Extract<Frame, { kind: 'syn-reply' | 'headers' }> : never);

export class SpdyTestClient {
  private readonly deflate = zlib.createDeflate({ dictionary: SPDY3_HEADER_DICTIONARY });
  private readonly inflate = zlib.createInflate({ dictionary: SPDY3_HEADER_DICTIONARY });
  private readonly parser = new FrameParser();
  readonly frames: Frame[] = [];
  private waiters: Array<() => void> = [];
  closed = false;

  constructor(
    readonly socket: net.Socket,
    initial: Buffer = Buffer.alloc(0),
  ) {
    const take = (c: Buffer): void => {
      this.frames.push(...this.parser.push(c));
      for (const w of this.waiters.splice(0)) w();
    };
    if (initial.length > 0) take(initial);
    socket.on('data', take);
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Sends an HTTP upgrade request; resolves with the response head and, on 101, a client on the connection. */
  static async upgrade(host: string, port: number, path: string, headers: Record<string, string | string[]>, method = 'POST'): Promise<{ head: string; client?: SpdyTestClient; body: string }> {
    const socket = net.connect(port, host);
    const lines = [`${method} ${path} HTTP/1.1`, `Host: ${host}:${port}`];
    for (const [name, value] of Object.entries(headers)) for (const v of [value].flat()) lines.push(`${name}: ${v}`);
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    let got = Buffer.alloc(0);
    return new Promise((resolve, reject) => {
      const onData = (c: Buffer): void => {
        got = Buffer.concat([got, c]);
        const end = got.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = got.subarray(0, end).toString();
        if (head.startsWith('HTTP/1.1 101')) {
          socket.off('data', onData);
          resolve({ head, client: new SpdyTestClient(socket, got.subarray(end + 4)), body: '' });
        }
      };
      socket.on('data', onData);
      socket.once('error', reject);
      socket.once('end', () => {
        const text = got.toString();
        const end = text.indexOf('\r\n\r\n');
        resolve({ head: text.slice(0, end), body: text.slice(end + 4) });
      });
    });
  }

  async open(id: number, headers: Record<string, string>, fin = false): Promise<void> {
    this.socket.write(encodeSynStream(id, await this.headerBlock(new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), [v]]))), fin));
  }

  send(id: number, data: string | Buffer, fin = false): void {
    this.socket.write(encodeData(id, Buffer.from(data), fin));
  }

  /** Everything a stream carries until its FIN. */
  async readToEnd(id: number, timeoutMs = 10_000): Promise<string> {
    const parts: Buffer[] = [];
    for (;;) {
      const f = await this.next('data', id, timeoutMs);
      parts.push(f.data);
      if (f.fin) return Buffer.concat(parts).toString();
    }
  }

  async next<K extends Frame['kind']>(kind: K, streamId?: number, timeoutMs = 10_000): Promise<FrameOf<K>> {
    const matches = (f: Frame): boolean => f.kind === kind && (streamId === undefined || ('streamId' in f && f.streamId === streamId));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.frames.findIndex(matches);
      if (i >= 0) return this.frames.splice(i, 1)[0] as FrameOf<K>;
      if (this.closed || Date.now() > deadline) throw new Error(`no ${kind} frame${streamId === undefined ? '' : ` on stream ${streamId}`}; have ${JSON.stringify(this.frames.map((f) => f.kind))}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  /** Inflates a header block of ours as the client would (one inflate stream per connection). */
  async inflateBlock(block: Buffer): Promise<SpdyHeaders> {
    const out: Buffer[] = [];
    const onData = (c: Buffer): number => out.push(c);
    this.inflate.on('data', onData);
    this.inflate.write(block);
    await new Promise<void>((resolve) => this.inflate.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve()));
    this.inflate.off('data', onData);
    return decodeHeaderPairs(Buffer.concat(out));
  }

  close(): void {
    this.socket.destroy();
  }

  private async headerBlock(headers: SpdyHeaders): Promise<Buffer> {
    const out: Buffer[] = [];
    const onData = (c: Buffer): number => out.push(c);
    this.deflate.on('data', onData);
    this.deflate.write(encodeHeaderPairs(headers));
    await new Promise<void>((resolve) => this.deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve()));
    this.deflate.off('data', onData);
    return Buffer.concat(out);
  }
}
