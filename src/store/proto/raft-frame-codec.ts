// Hand-written protobuf for the peer stream's common frame: PeerMessage { seq, messages } of plain Raft messages
// (proto/raft.proto), straight between the core's Message objects and bytes. The general codec went through
// protobufjs, Long and bigint conversions for every field of every message and entry: about 7 % of a member's
// time under put load, on both the sending and the receiving member.
//
// Only the common shape is handled here: a frame with a hello or a snapshot chunk, a message with a snapshot, or
// anything unexpected on the way in (unknown fields, values past 2^53, unknown types) is left to the general
// codec, so that what is accepted or refused does not change. The bytes are plain proto3 (zero values omitted),
// which the general codec reads too.
import { EntryType, MessageType, type Entry, type Message } from '../../raft/types.ts';
import { assert } from '../../raft/assert.ts';
import { messageTypeOfWire, WIRE_MESSAGE_TYPE } from './raft-message-types.ts';
import { varintSize, writeVarint } from './wire-primitives.ts';

const VARINT = 0;
const FIXED64 = 1;
const BYTES = 2;
const tag = (field: number, wire: number): number => (field << 3) | wire;


/** Bytes of an optional field (one-byte tag, fields 1-15): a uint when non-zero, a length-delimited one when non-empty. */
const uintFieldSize = (v: number): number => (v > 0 ? 1 + varintSize(v) : 0);
const delimitedFieldSize = (len: number): number => (len > 0 ? 1 + varintSize(len) + len : 0);

function entrySize(e: Entry): number {
  return uintFieldSize(e.term) + uintFieldSize(e.index) + uintFieldSize(e.type) + delimitedFieldSize(e.data.length);
}

function messageSize(m: Message, entrySizes: number[]): number {
  let n = uintFieldSize(WIRE_MESSAGE_TYPE[m.type]) + (m.to !== 0n ? 9 : 0) + (m.from !== 0n ? 9 : 0);
  n += uintFieldSize(m.term) + uintFieldSize(m.logTerm) + uintFieldSize(m.index);
  for (const e of m.entries) {
    const s = entrySize(e);
    entrySizes.push(s);
    n += 1 + varintSize(s) + s;
  }
  n += uintFieldSize(m.commit) + uintFieldSize(m.reject ? 1 : 0) + uintFieldSize(m.rejectHint) + delimitedFieldSize(m.context.length);
  return n;
}

/** Writes fields as the sizes above count them: zero and empty values are left out (proto3). */
class Writer {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  varint(v: number): void {
    this.pos = writeVarint(this.buf, this.pos, v);
  }

  uint(field: number, v: number): void {
    if (v === 0) return;
    this.varint(tag(field, VARINT));
    this.varint(v);
  }

  fixed64(field: number, v: bigint): void {
    if (v === 0n) return;
    this.varint(tag(field, FIXED64));
    this.buf.writeBigUInt64LE(v, this.pos);
    this.pos += 8;
  }

  bytes(field: number, b: Uint8Array): void {
    if (b.length === 0) return;
    this.varint(tag(field, BYTES));
    this.varint(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** The header of an embedded message whose fields follow. */
  nested(field: number, size: number): void {
    this.varint(tag(field, BYTES));
    this.varint(size);
  }
}

/** PeerMessage { seq, messages }; undefined when a message carries a snapshot (the general codec's case). */
export function encodePlainFrame(seq: bigint, messages: readonly Message[]): Buffer | undefined {
  const sizes: number[] = [];
  const entrySizes: number[] = [];
  let total = uintFieldSize(Number(seq));
  for (const m of messages) {
    if (m.snapshot !== undefined) return undefined;
    const s = messageSize(m, entrySizes);
    sizes.push(s);
    total += 1 + varintSize(s) + s;
  }
  const w = new Writer(Buffer.allocUnsafe(total));
  w.uint(2, Number(seq));
  let entryAt = 0;
  messages.forEach((m, i) => {
    w.nested(3, sizes[i]);
    w.uint(1, WIRE_MESSAGE_TYPE[m.type]);
    w.fixed64(2, m.to);
    w.fixed64(3, m.from);
    w.uint(4, m.term);
    w.uint(5, m.logTerm);
    w.uint(6, m.index);
    for (const e of m.entries) {
      w.nested(7, entrySizes[entryAt++]);
      w.uint(1, e.term);
      w.uint(2, e.index);
      w.uint(3, e.type);
      w.bytes(4, e.data);
    }
    w.uint(8, m.commit);
    w.uint(10, m.reject ? 1 : 0);
    w.uint(11, m.rejectHint);
    w.bytes(12, m.context);
  });
  assert(w.pos === total, () => `raft frame encoder wrote ${w.pos} bytes of ${total}`);
  return w.buf;
}

/** Thrown inside the decoder: this frame is for the general codec. */
class NotPlain extends Error {}

class Reader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  /** A varint as an exact number; past 2^53 it is the general codec's to judge. */
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      if (this.pos >= this.end) throw new NotPlain();
      const b = this.buf[this.pos++];
      result += (b & 127) * scale;
      if (b < 128) {
        if (result > Number.MAX_SAFE_INTEGER) throw new NotPlain();
        return result;
      }
      scale *= 128;
    }
    throw new NotPlain();
  }

  fixed64(): bigint {
    if (this.pos + 8 > this.end) throw new NotPlain();
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  /** [start, end) of a length-delimited field's bytes. */
  delimited(): [number, number] {
    const len = this.varint();
    const start = this.pos;
    if (start + len > this.end) throw new NotPlain();
    this.pos = start + len;
    return [start, this.pos];
  }
}

const EMPTY = Buffer.alloc(0);

function readEntry(buf: Buffer, start: number, end: number): Entry {
  const r = new Reader(buf, start, end);
  const e: Entry = { term: 0, index: 0, type: EntryType.Normal, data: EMPTY };
  while (r.pos < end) {
    switch (r.varint()) {
      case tag(1, VARINT):
        e.term = r.varint();
        break;
      case tag(2, VARINT):
        e.index = r.varint();
        break;
      case tag(3, VARINT): {
        const t = r.varint();
        if (t !== EntryType.Normal && t !== EntryType.ConfChange) throw new NotPlain();
        e.type = t;
        break;
      }
      case tag(4, BYTES): {
        const [s, f] = r.delimited();
        e.data = buf.subarray(s, f);
        break;
      }
      default:
        throw new NotPlain();
    }
  }
  return e;
}

function readMessage(buf: Buffer, start: number, end: number): Message {
  const r = new Reader(buf, start, end);
  let type: MessageType | undefined;
  const m: Message = { type: MessageType.Hup, to: 0n, from: 0n, term: 0, logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0, context: EMPTY };
  while (r.pos < end) {
    switch (r.varint()) {
      case tag(1, VARINT):
        type = messageTypeOfWire(r.varint());
        if (type === undefined) throw new NotPlain();
        break;
      case tag(2, FIXED64):
        m.to = r.fixed64();
        break;
      case tag(3, FIXED64):
        m.from = r.fixed64();
        break;
      case tag(4, VARINT):
        m.term = r.varint();
        break;
      case tag(5, VARINT):
        m.logTerm = r.varint();
        break;
      case tag(6, VARINT):
        m.index = r.varint();
        break;
      case tag(7, BYTES): {
        const [s, f] = r.delimited();
        m.entries.push(readEntry(buf, s, f));
        break;
      }
      case tag(8, VARINT):
        m.commit = r.varint();
        break;
      case tag(10, VARINT): {
        const b = r.varint();
        if (b > 1) throw new NotPlain();
        m.reject = b === 1;
        break;
      }
      case tag(11, VARINT):
        m.rejectHint = r.varint();
        break;
      case tag(12, BYTES): {
        const [s, f] = r.delimited();
        m.context = buf.subarray(s, f);
        break;
      }
      default:
        throw new NotPlain();
    }
  }
  // proto3 leaves the zero type out, and 0 is no valid message type.
  if (type === undefined) throw new NotPlain();
  m.type = type;
  return m;
}

/** A frame of plain messages as the core's Messages; undefined when the general codec must read it. */
export function decodePlainFrame(buf: Buffer): { seq: bigint; messages: Message[] } | undefined {
  const r = new Reader(buf, 0, buf.length);
  let seq = 0;
  const messages: Message[] = [];
  try {
    while (r.pos < buf.length) {
      switch (r.varint()) {
        case tag(2, VARINT):
          seq = r.varint();
          break;
        case tag(3, BYTES): {
          const [s, f] = r.delimited();
          messages.push(readMessage(buf, s, f));
          break;
        }
        default:
          return undefined; // a hello, a snapshot chunk or something unknown
      }
    }
  } catch (e) {
    if (e instanceof NotPlain) return undefined;
    throw e;
  }
  return { seq: BigInt(seq), messages };
}
