// An HPACK decoder (RFC 7541) that tracks one peer's dynamic table, and an encoder that never indexes.
//
// Used to rewrite request header blocks on their way into Node's HTTP/2 server: decoding keeps our view of the
// client's dynamic table exact, and re-encoding every field as a literal without indexing keeps the server's
// table empty, so the two never disagree however the blocks were changed.
import { huffmanDecode } from './hpack-huffman.ts';

export type HeaderField = [name: string, value: string];

const STATIC_TABLE: HeaderField[] = [
  [':authority', ''], [':method', 'GET'], [':method', 'POST'], [':path', '/'], [':path', '/index.html'],
  [':scheme', 'http'], [':scheme', 'https'], [':status', '200'], [':status', '204'], [':status', '206'],
  [':status', '304'], [':status', '400'], [':status', '404'], [':status', '500'], ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'], ['accept-language', ''], ['accept-ranges', ''], ['accept', ''],
  ['access-control-allow-origin', ''], ['age', ''], ['allow', ''], ['authorization', ''], ['cache-control', ''],
  ['content-disposition', ''], ['content-encoding', ''], ['content-language', ''], ['content-length', ''],
  ['content-location', ''], ['content-range', ''], ['content-type', ''], ['cookie', ''], ['date', ''], ['etag', ''],
  ['expect', ''], ['expires', ''], ['from', ''], ['host', ''], ['if-match', ''], ['if-modified-since', ''],
  ['if-none-match', ''], ['if-range', ''], ['if-unmodified-since', ''], ['last-modified', ''], ['link', ''],
  ['location', ''], ['max-forwards', ''], ['proxy-authenticate', ''], ['proxy-authorization', ''], ['range', ''],
  ['referer', ''], ['refresh', ''], ['retry-after', ''], ['server', ''], ['set-cookie', ''],
  ['strict-transport-security', ''], ['transfer-encoding', ''], ['user-agent', ''], ['vary', ''], ['via', ''],
  ['www-authenticate', ''],
];

/** RFC 7541 §4.1: an entry's size is its name and value lengths plus 32. */
const ENTRY_OVERHEAD = 32;

export class HpackError extends Error {}

export class HpackDecoder {
  /** Newest first, as HPACK indexes it. */
  private readonly dynamic: Array<{ field: HeaderField; size: number }> = [];
  private size = 0;

  /** maxTableSize: the SETTINGS_HEADER_TABLE_SIZE the decoding side announced (4096 unless changed). */
  constructor(private maxTableSize = 4096) {}

  decode(block: Uint8Array): HeaderField[] {
    const fields: HeaderField[] = [];
    let at = 0;
    const integer = (prefixBits: number): number => {
      const max = (1 << prefixBits) - 1;
      let value = block[at++] & max;
      if (value < max) return value;
      let shift = 0;
      for (;;) {
        if (at >= block.length) throw new HpackError('hpack: truncated integer');
        const b = block[at++];
        value += (b & 0x7f) * 2 ** shift;
        shift += 7;
        if ((b & 0x80) === 0) return value;
        if (shift > 28) throw new HpackError('hpack: integer too large');
      }
    };
    const string = (): string => {
      if (at >= block.length) throw new HpackError('hpack: truncated string');
      const huffman = (block[at] & 0x80) !== 0;
      const length = integer(7);
      if (at + length > block.length) throw new HpackError('hpack: truncated string');
      const raw = block.subarray(at, at + length);
      at += length;
      return (huffman ? huffmanDecode(raw) : Buffer.from(raw)).toString('latin1');
    };
    while (at < block.length) {
      const b = block[at];
      if (b & 0x80) {
        fields.push(this.lookup(integer(7)));
      } else if (b & 0x40) {
        const index = integer(6);
        const field: HeaderField = [index === 0 ? string() : this.lookup(index)[0], string()];
        fields.push(field);
        this.insert(field);
      } else if (b & 0x20) {
        const size = integer(5);
        if (size > this.maxTableSize) throw new HpackError('hpack: table size update above the announced maximum');
        this.resize(size);
      } else {
        const index = integer(4);
        fields.push([index === 0 ? string() : this.lookup(index)[0], string()]);
      }
    }
    return fields;
  }

  private lookup(index: number): HeaderField {
    if (index >= 1 && index <= STATIC_TABLE.length) return STATIC_TABLE[index - 1];
    const entry = this.dynamic[index - STATIC_TABLE.length - 1];
    if (index === 0 || entry === undefined) throw new HpackError(`hpack: invalid index ${index}`);
    return entry.field;
  }

  private insert(field: HeaderField): void {
    const size = field[0].length + field[1].length + ENTRY_OVERHEAD;
    this.dynamic.unshift({ field, size });
    this.size += size;
    this.evict(this.maxTableSize);
  }

  private resize(max: number): void {
    this.maxTableSize = max;
    this.evict(max);
  }

  private evict(max: number): void {
    while (this.size > max) this.size -= this.dynamic.pop()!.size;
  }
}

/** Encodes fields as literals without indexing, names and values raw: the receiver's table is never touched. */
export function encodeWithoutIndexing(fields: readonly HeaderField[]): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of fields) {
    parts.push(Buffer.of(0x00), encodeString(name), encodeString(value));
  }
  return Buffer.concat(parts);
}

function encodeString(s: string): Buffer {
  const bytes = Buffer.from(s, 'latin1');
  return Buffer.concat([encodeInteger(bytes.length, 7, 0x00), bytes]);
}

function encodeInteger(value: number, prefixBits: number, flags: number): Buffer {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Buffer.of(flags | value);
  const out = [flags | max];
  let rest = value - max;
  while (rest >= 0x80) {
    out.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return Buffer.from(out);
}
