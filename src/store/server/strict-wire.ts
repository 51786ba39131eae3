// Request bytes checked the way etcd's generated (gogo-protobuf) decoders check them, before protobufjs decodes.
//
// protobufjs is lenient where etcd is strict and strict where etcd is lenient: it reads a known field whatever its
// wire type (etcd: "wrong wireType" → INTERNAL), yet refuses unknown groups and nesting deeper than its limit
// (etcd skips unknown fields of any kind at any depth). So every field is walked against the message schema here:
// known fields must carry their wire type (repeated scalars packed or not), known sub-messages are walked in turn,
// and unknown fields are skipped iteratively. Messages that hold unknown fields are rebuilt without them, which
// is also what etcd keeps (its request types have no unknown-field storage).
//
// The error texts are gogo's, for logs: grpc-js sends "Error deserializing request" whatever the cause.
import type protobuf from 'protobufjs';

export class WireFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireFormatError';
  }
}

const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const START_GROUP = 3;
const END_GROUP = 4;
const FIXED32 = 5;

const SCALAR_WIRE_TYPES: Readonly<Record<string, number>> = {
  int32: VARINT,
  int64: VARINT,
  uint32: VARINT,
  uint64: VARINT,
  sint32: VARINT,
  sint64: VARINT,
  bool: VARINT,
  fixed64: FIXED64,
  sfixed64: FIXED64,
  double: FIXED64,
  fixed32: FIXED32,
  sfixed32: FIXED32,
  float: FIXED32,
  string: LENGTH_DELIMITED,
  bytes: LENGTH_DELIMITED,
};

const unexpectedEof = () => new WireFormatError('unexpected EOF');

// Varints are read as two uint32 halves with plain number arithmetic: BigInt in this hot loop tripped a V8
// optimizer fatal error ("RepresentationChangerError ... UnsignedBigInt64") under fuzzing, killing the process.
class Cursor {
  /** Low and high 32 bits of the last varint read. */
  lo = 0;
  hi = 0;

  constructor(
    readonly buf: Buffer,
    public pos: number,
    readonly end: number,
  ) {}

  /** Reads a varint as gogo does: at most 10 bytes (64 bits of shift), bits past 64 dropped. */
  varint(): void {
    let lo = 0;
    let hi = 0;
    for (let i = 0; ; i++) {
      if (i >= 10) throw new WireFormatError('proto: integer overflow');
      if (this.pos >= this.end) throw unexpectedEof();
      const b = this.buf[this.pos++];
      const bits = b & 0x7f;
      if (i < 4) {
        lo |= bits << (7 * i);
      } else if (i === 4) {
        lo |= (bits & 0x0f) << 28;
        hi |= bits >>> 4;
      } else {
        hi |= bits << (7 * i - 32);
      }
      if (b < 0x80) break;
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  /** A tag: gogo keeps the field number as int32 (higher bits dropped; ≤ 0 is an illegal tag). */
  tag(): { fieldNumber: number; wireType: number } {
    this.varint();
    return { fieldNumber: (this.lo >>> 3) | (this.hi << 29), wireType: this.lo & 7 };
  }

  /** A length prefix: negative as int64 or past the end fails as in gogo. */
  length(): number {
    this.varint();
    if (this.hi >= 0x80000000) throw new WireFormatError('proto: negative length found during unmarshaling');
    const n = this.hi * 2 ** 32 + this.lo;
    if (n > this.end - this.pos) throw unexpectedEof();
    return n;
  }

  skip(bytes: number): void {
    if (this.end - this.pos < bytes) throw unexpectedEof();
    this.pos += bytes;
  }
}

/** Skips one unknown field's value (its tag already read); groups of any depth, without recursion. */
function skipUnknown(c: Cursor, wireType: number): void {
  let depth = 0;
  for (;;) {
    switch (wireType) {
      case VARINT:
        c.varint();
        break;
      case FIXED64:
        c.skip(8);
        break;
      case LENGTH_DELIMITED:
        c.skip(c.length());
        break;
      case START_GROUP:
        depth++;
        break;
      case END_GROUP:
        if (depth === 0) throw new WireFormatError('proto: unexpected end of group');
        depth--;
        break;
      case FIXED32:
        c.skip(4);
        break;
      default:
        throw new WireFormatError(`proto: illegal wireType ${wireType}`);
    }
    if (depth === 0) return;
    wireType = c.tag().wireType;
  }
}

/** gogo names fields in errors by their Go name: CamelCase of the .proto name. */
function goName(field: protobuf.Field): string {
  return field.name.replace(/^[a-z]/, (ch) => ch.toUpperCase()).replace(/_([a-z])/g, (_m, ch: string) => ch.toUpperCase());
}

function expectedWireTypes(field: protobuf.Field): number[] {
  field.resolve();
  const scalar = SCALAR_WIRE_TYPES[field.type];
  const base = scalar ?? (field.resolvedType !== null && 'fields' in field.resolvedType ? LENGTH_DELIMITED : VARINT);
  // Repeated numeric fields may come packed or one by one.
  return field.repeated && base !== LENGTH_DELIMITED ? [base, LENGTH_DELIMITED] : [base];
}

interface Walked {
  /** Whether the message or any sub-message holds fields the schema does not know. */
  hasUnknown: boolean;
}

function walk(type: protobuf.Type, c: Cursor): Walked {
  let hasUnknown = false;
  const typeName = type.name;
  while (c.pos < c.end) {
    const { fieldNumber, wireType } = c.tag();
    if (wireType === END_GROUP) throw new WireFormatError(`proto: ${typeName}: wiretype end group for non-group`);
    if (fieldNumber <= 0) throw new WireFormatError(`proto: ${typeName}: illegal tag ${fieldNumber} (wire type ${wireType})`);
    const field = type.fieldsById[fieldNumber] as protobuf.Field | undefined;
    if (field === undefined) {
      skipUnknown(c, wireType);
      hasUnknown = true;
      continue;
    }
    if (!expectedWireTypes(field).includes(wireType)) throw new WireFormatError(`proto: wrong wireType = ${wireType} for field ${goName(field)}`);
    if (wireType === LENGTH_DELIMITED) {
      const len = c.length();
      const sub = field.resolvedType;
      if (sub !== null && 'fields' in sub) {
        const inner = walk(sub, new Cursor(c.buf, c.pos, c.pos + len));
        hasUnknown ||= inner.hasUnknown;
      }
      c.pos += len;
    } else {
      skipUnknown(c, wireType); // a known scalar: read past it exactly as an unknown one of its wire type
    }
  }
  return { hasUnknown };
}

function writeVarint(out: number[], n: number): void {
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
}

/** The message without its unknown fields (walk() has validated it). */
function stripUnknown(type: protobuf.Type, c: Cursor): Buffer {
  const parts: Buffer[] = [];
  while (c.pos < c.end) {
    const fieldStart = c.pos;
    const { fieldNumber, wireType } = c.tag();
    const field = type.fieldsById[fieldNumber] as protobuf.Field | undefined;
    if (field === undefined) {
      skipUnknown(c, wireType);
      continue;
    }
    if (wireType !== LENGTH_DELIMITED) {
      skipUnknown(c, wireType);
      parts.push(c.buf.subarray(fieldStart, c.pos));
      continue;
    }
    const tagEnd = c.pos;
    const len = c.length();
    const sub = field.resolvedType;
    if (sub !== null && 'fields' in sub) {
      const inner = stripUnknown(sub, new Cursor(c.buf, c.pos, c.pos + len));
      const prefix: number[] = [];
      writeVarint(prefix, inner.length);
      parts.push(c.buf.subarray(fieldStart, tagEnd), Buffer.from(prefix), inner);
    } else {
      parts.push(c.buf.subarray(fieldStart, c.pos + len));
    }
    c.pos += len;
  }
  return Buffer.concat(parts);
}

/**
 * Checks request bytes against the message schema as etcd's decoders would; returns the bytes to decode (the
 * same bytes, or a copy without unknown fields). Throws WireFormatError where etcd fails to unmarshal.
 */
export function checkWire(type: protobuf.Type, bytes: Buffer): Buffer {
  const { hasUnknown } = walk(type, new Cursor(bytes, 0, bytes.length));
  return hasUnknown ? stripUnknown(type, new Cursor(bytes, 0, bytes.length)) : bytes;
}
