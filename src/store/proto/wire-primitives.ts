// Protobuf wire primitives for the hand-written codecs of hot messages (internal-request.ts, the put fast path, the
// watch response, the Raft frame codec's varints):
// reading fields straight out of a Buffer, and sizing and writing varints, without protobufjs's Message objects,
// Long values and toObject/fromObject conversions.
export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

/** Bytes that do not parse as protobuf (truncated, an overlong varint, a wire type protobuf does not have). */
export class WireFormatError extends Error {}

export class WireReader {
  pos: number;

  constructor(
    readonly buf: Buffer,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  private byte(): number {
    if (this.pos >= this.end) throw new WireFormatError('truncated varint');
    return this.buf[this.pos++];
  }

  /** A varint that must fit in 32 bits (tags, lengths, bools, enums). */
  uint32(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 5; i++) {
      const b = this.byte();
      result += (b & 127) * scale;
      if (b < 128) return result;
      scale *= 128;
    }
    throw new WireFormatError('varint too long for 32 bits');
  }

  /** A varint as the unsigned 64-bit value it encodes. */
  uint64(): bigint {
    let result = 0;
    let scale = 1;
    // Seven groups (49 bits) stay exact in a number; only longer varints take bigint arithmetic.
    for (let i = 0; i < 7; i++) {
      const b = this.byte();
      result += (b & 127) * scale;
      if (b < 128) return BigInt(result);
      scale *= 128;
    }
    let big = BigInt(result);
    for (let shift = 49n; shift < 70n; shift += 7n) {
      const b = this.byte();
      big |= BigInt(b & 127) << shift;
      if (b < 128) return BigInt.asUintN(64, big);
    }
    throw new WireFormatError('varint longer than 10 bytes');
  }

  /** An int64 field (two's complement over ten bytes when negative). */
  int64(): bigint {
    return BigInt.asIntN(64, this.uint64());
  }

  /** A length-delimited field's bytes: a view into the buffer, not a copy. */
  bytes(): Buffer {
    const len = this.uint32();
    const start = this.pos;
    if (start + len > this.end) throw new WireFormatError('truncated length-delimited field');
    this.pos = start + len;
    return this.buf.subarray(start, this.pos);
  }

  /** Steps over a field of an unknown number, as protobuf readers must. */
  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.uint64();
        return;
      case WIRE_FIXED64:
        this.advance(8);
        return;
      case WIRE_BYTES:
        this.bytes();
        return;
      case WIRE_FIXED32:
        this.advance(4);
        return;
      default:
        // Groups (3, 4) are proto2-only and never in these messages.
        throw new WireFormatError(`unexpected wire type ${wireType}`);
    }
  }

  private advance(n: number): void {
    if (this.pos + n > this.end) throw new WireFormatError('truncated fixed-width field');
    this.pos += n;
  }
}

/** Bytes of a varint holding `v` (a non-negative safe integer). */
export function varintSize(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** Values up to this go through number arithmetic (converted once here, not on every call). */
const MAX_SAFE_BIGINT = BigInt(Number.MAX_SAFE_INTEGER);

/** Bytes of a varint holding an unsigned 64-bit `v`. */
export function varint64Size(v: bigint): number {
  if (v <= MAX_SAFE_BIGINT) return varintSize(Number(v));
  let n = 1;
  while (v >= 128n) {
    v >>= 7n;
    n++;
  }
  return n;
}

/** Writes a varint of a non-negative safe integer at `pos`; returns the position after it. */
export function writeVarint(buf: Buffer, pos: number, v: number): number {
  while (v >= 128) {
    buf[pos++] = (v % 128) | 128;
    v = Math.floor(v / 128);
  }
  buf[pos++] = v;
  return pos;
}

/** Writes a varint of an unsigned 64-bit `v` at `pos`; returns the position after it. */
export function writeVarint64(buf: Buffer, pos: number, v: bigint): number {
  if (v <= MAX_SAFE_BIGINT) return writeVarint(buf, pos, Number(v));
  let lo = Number(v & 0xffff_ffffn);
  let hi = Number(v >> 32n);
  while (hi > 0 || lo >= 128) {
    buf[pos++] = (lo & 127) | 128;
    lo = ((lo >>> 7) | ((hi & 127) << 25)) >>> 0;
    hi >>>= 7;
  }
  buf[pos++] = lo;
  return pos;
}
