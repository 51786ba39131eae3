// SPDY/3 header blocks: a count, then length-prefixed names and values (a value may hold several, NUL-separated),
// compressed as one zlib stream per direction and connection, against the SPDY dictionary, each block ending on
// a sync flush. Ours go out as stored (uncompressed) deflate blocks of that stream, each followed by the sync
// flush's empty stored block: valid for any inflater, no compressor state to keep, and our blocks are a few bytes. Theirs are inflated by one zlib stream per session.
import zlib from 'node:zlib';
import { SPDY3_HEADER_DICTIONARY } from './dictionary.ts';
import { SpdyProtocolError } from './frames.ts';

export type SpdyHeaders = Map<string, string[]>;

/** Bound on one decompressed header block (kubectl's are under 200 bytes). */
export const HEADER_BLOCK_BYTES_MAX = 64 * 1024;

export function encodeHeaderPairs(headers: SpdyHeaders): Buffer {
  const parts: Buffer[] = [u32(headers.size)];
  for (const [name, values] of headers) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(values.join('\0'), 'utf8');
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

export function decodeHeaderPairs(block: Buffer): SpdyHeaders {
  const headers: SpdyHeaders = new Map();
  let at = 0;
  const take = (n: number): Buffer => {
    if (at + n > block.length) throw new SpdyProtocolError('truncated header block');
    const out = block.subarray(at, at + n);
    at += n;
    return out;
  };
  const count = take(4).readUInt32BE(0);
  for (let i = 0; i < count; i++) {
    const name = take(take(4).readUInt32BE(0)).toString('utf8');
    const value = take(take(4).readUInt32BE(0)).toString('utf8');
    if (name === '' || headers.has(name)) throw new SpdyProtocolError(`empty or repeated header name "${name}"`);
    headers.set(name, value.split('\0'));
  }
  if (at !== block.length) throw new SpdyProtocolError('trailing bytes after header block');
  return headers;
}

/** Our direction of the header stream. */
export class HeaderCompressor {
  private started = false;

  compress(headers: SpdyHeaders): Buffer {
    const raw = encodeHeaderPairs(headers);
    if (raw.length > 0xffff) throw new SpdyProtocolError('header block too large');
    const parts: Buffer[] = [];
    // zlib header without a preset dictionary: a stored block never refers to one.
    if (!this.started) parts.push(Buffer.from([0x78, 0x01]));
    this.started = true;
    const stored = Buffer.alloc(5);
    stored[0] = 0x00; // BFINAL 0, BTYPE 00 (stored), padded to the byte boundary
    stored.writeUInt16LE(raw.length, 1);
    stored.writeUInt16LE(~raw.length & 0xffff, 3);
    // Then an empty stored block, as a sync flush ends: Go's inflater hands out a block's bytes only on reaching
    // the next block, and it must not read past this frame's header block to find it.
    parts.push(stored, raw, Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]));
    return Buffer.concat(parts);
  }
}

/** The peer's direction: one inflater for the whole session, blocks decoded strictly in arrival order. */
export class HeaderDecompressor {
  private readonly inflate = zlib.createInflate({ dictionary: SPDY3_HEADER_DICTIONARY });
  private chunks: Buffer[] = [];
  private bytes = 0;
  private failure: Error | undefined;

  constructor() {
    this.inflate.on('data', (c: Buffer) => {
      this.bytes += c.length;
      if (this.bytes > HEADER_BLOCK_BYTES_MAX) {
        this.failure ??= new SpdyProtocolError(`header block of more than ${HEADER_BLOCK_BYTES_MAX} bytes`);
        return;
      }
      this.chunks.push(c);
    });
    this.inflate.on('error', (err) => (this.failure = new SpdyProtocolError(`header block does not inflate: ${err.message}`)));
  }

  decompress(block: Buffer): Promise<SpdyHeaders> {
    return new Promise((resolve, reject) => {
      if (this.failure !== undefined) return reject(this.failure);
      this.inflate.write(block);
      this.inflate.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        const out = Buffer.concat(this.chunks);
        this.chunks = [];
        this.bytes = 0;
        if (this.failure !== undefined) return reject(this.failure);
        try {
          resolve(decodeHeaderPairs(out));
        } catch (err) {
          reject(err as Error);
        }
      });
    });
  }

  close(): void {
    this.inflate.destroy();
  }
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
