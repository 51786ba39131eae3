// The few protobuf wire primitives the load generator needs to build requests whose fields change per call (a txn's
// expected mod_revision) and to read one or two fields out of a response without decoding all of it. Full codecs
// (src/store/proto) are used only to pre-encode fixed requests and, in tests, to check these against them.
const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

export class ProtoWireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtoWireError';
  }
}

/** Appends protobuf fields to a list of chunks; `finish()` concatenates once. */
export class ProtoWriter {
  private readonly chunks: Buffer[] = [];
  private lengthBytes = 0;

  varintField(fieldNumber: number, value: number | bigint): this {
    this.push(encodeVarint((BigInt(fieldNumber) << 3n) | BigInt(WIRE_VARINT)));
    return this.push(encodeVarint(BigInt(value)));
  }

  bytesField(fieldNumber: number, bytes: Uint8Array): this {
    this.push(encodeVarint((BigInt(fieldNumber) << 3n) | BigInt(WIRE_LENGTH_DELIMITED)));
    this.push(encodeVarint(BigInt(bytes.length)));
    return this.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }

  /** Bytes already encoded as whole fields (a pre-encoded part of a message). */
  raw(bytes: Buffer): this {
    return this.push(bytes);
  }

  finish(): Buffer {
    return Buffer.concat(this.chunks, this.lengthBytes);
  }

  private push(chunk: Buffer): this {
    this.chunks.push(chunk);
    this.lengthBytes += chunk.length;
    return this;
  }
}

/** Unsigned LEB128; negative int64 values are written as their 64-bit two's complement, as protobuf does. */
export function encodeVarint(value: bigint): Buffer {
  let v = value < 0n ? BigInt.asUintN(64, value) : value;
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Buffer.from(out);
}

export interface ProtoField {
  fieldNumber: number;
  wireType: number;
  /** For varint fields. */
  varint: bigint;
  /** For length-delimited fields: a view into the message (no copy). */
  bytes: Buffer;
}

/**
 * Visits the top-level fields of one message; `visit` returns false to stop early. The field object is reused
 * between calls (no allocation per field): copy what you keep.
 */
export function scanFields(message: Buffer, visit: (field: ProtoField) => boolean | void): void {
  const field: ProtoField = { fieldNumber: 0, wireType: 0, varint: 0n, bytes: EMPTY };
  let offset = 0;
  while (offset < message.length) {
    const [key, afterKey] = readSmallVarint(message, offset);
    field.fieldNumber = Math.floor(key / 8);
    field.wireType = key % 8;
    offset = afterKey;
    switch (field.wireType) {
      case WIRE_VARINT: {
        [field.varint, offset] = readVarint(message, offset);
        field.bytes = EMPTY;
        break;
      }
      case WIRE_LENGTH_DELIMITED: {
        const [length, afterLength] = readSmallVarint(message, offset);
        const end = afterLength + length;
        if (end > message.length) throw new ProtoWireError('length-delimited field runs past the message');
        field.bytes = message.subarray(afterLength, end);
        offset = end;
        break;
      }
      case WIRE_FIXED64:
        offset += 8;
        break;
      case WIRE_FIXED32:
        offset += 4;
        break;
      default:
        throw new ProtoWireError(`unsupported wire type ${field.wireType}`);
    }
    if (offset > message.length) throw new ProtoWireError('field runs past the message');
    if (visit(field) === false) return;
  }
}

/** The first length-delimited field with this number, or null. */
export function findBytesField(message: Buffer, fieldNumber: number): Buffer | null {
  let found: Buffer | null = null;
  scanFields(message, (f) => {
    if (f.fieldNumber === fieldNumber && f.wireType === WIRE_LENGTH_DELIMITED) {
      found = f.bytes;
      return false;
    }
    return true;
  });
  return found;
}

/** The first varint field with this number; `absent` when there is none (proto3 omits zero values). */
export function findVarintField(message: Buffer, fieldNumber: number, absent = 0n): bigint {
  let found = absent;
  scanFields(message, (f) => {
    if (f.fieldNumber === fieldNumber && f.wireType === WIRE_VARINT) {
      found = f.varint;
      return false;
    }
    return true;
  });
  return found;
}

/** etcd's ResponseHeader is field 1 of every response; its revision is field 3. 0n when absent. */
export function headerRevision(response: Buffer): bigint {
  const header = findBytesField(response, 1);
  return header === null ? 0n : findVarintField(header, 3);
}

/** Keys and lengths: below 2^35 by construction (and a message is far smaller), so plain numbers will do. */
function readSmallVarint(buffer: Buffer, start: number): [number, number] {
  let result = 0;
  let scale = 1;
  let offset = start;
  for (let i = 0; i < 5; i++) {
    if (offset >= buffer.length) throw new ProtoWireError('truncated varint');
    const byte = buffer[offset++];
    result += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) return [result, offset];
    scale *= 128;
  }
  throw new ProtoWireError('field key or length longer than 5 bytes');
}

function readVarint(buffer: Buffer, start: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  let offset = start;
  for (;;) {
    if (offset >= buffer.length) throw new ProtoWireError('truncated varint');
    const byte = buffer[offset++];
    result |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [result, offset];
    shift += 7n;
    if (shift > 63n) throw new ProtoWireError('varint longer than 10 bytes');
  }
}

const EMPTY = Buffer.alloc(0);
