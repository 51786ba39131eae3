// Message codecs: plain JS objects <-> protobuf bytes, with one representation for every etcd and barque message.
//
// Representation (decoded objects, and what encode accepts):
// - 64-bit integers (int64, uint64, sint64, fixed64, sfixed64) are `bigint`, always, whatever the value: revisions,
//   lease ids (often above 2^53), member and cluster ids (uint64). Nothing is ever rounded. encode also accepts a
//   `number` (an integer; must be safe) or a decimal string, so callers may pass small constants as numbers.
// - bytes are `Buffer`. A decoded Buffer may be a view into the received frame: copy it before keeping it beyond the
//   frame's life only if the frame's memory is reused (grpc-js does not reuse it).
// - enums are their numbers (RangeRequest.SortOrder.DESCEND = 2), as on the wire.
// - defaults: every absent scalar field reads as its zero value (0n, 0, false, '', empty Buffer), every repeated
//   field as [], and an absent message field as null (proto3 keeps "absent" for messages only).
// - oneofs: the chosen member is also named by a virtual field, e.g. RequestOp.request === 'request_put'.
// - field names are spelled as in the .proto (keepCase): `range_end`, `TTL`, `peerURLs`.
import protobuf from 'protobufjs';

export interface MessageCodec<T = DecodedMessage> {
  /** The message's full name without the leading dot, e.g. "etcdserverpb.PutRequest". */
  readonly name: string;
  readonly type: protobuf.Type;
  encode(message: EncodableMessage<T>): Buffer;
  decode(bytes: Uint8Array): T;
}

/** A decoded message as a plain object; fields per the representation above. */
export type DecodedMessage = Record<string, unknown>;
/** What encode takes: the decoded shape, with any field omitted (it is then absent on the wire). */
export type EncodableMessage<T> = T extends DecodedMessage ? Partial<T> | DecodedMessage : T;

const DECODE_OPTIONS: protobuf.IConversionOptions = {
  // protobufjs 8 turns Longs into bigint when handed the BigInt constructor itself.
  longs: BigInt as unknown as typeof String,
  enums: Number,
  defaults: true,
  oneofs: true,
};

// protobufjs 8's writer starts at 128 bytes and doubles, copying as it grows; a kept writer has already grown, so a
// large message costs one copy (into its exact-size result) instead of several. Encoding is synchronous, so one
// writer serves every codec. A writer that grew past the cap is dropped rather than kept holding the memory.
const SHARED_WRITER_BYTES_MAX = 4 * 1024 * 1024;
let sharedWriter = protobuf.Writer.create();

function encodeWithSharedWriter(type: protobuf.Type, message: protobuf.Message): Buffer {
  const writer = sharedWriter;
  let encoded: Buffer;
  try {
    encoded = type.encode(message, writer).finish() as Buffer; // a fresh Buffer of exactly the encoded length
  } catch (error) {
    sharedWriter = protobuf.Writer.create(); // half-written state: start over with a clean writer
    throw error;
  }
  writer.reset();
  if (writer.buf.length > SHARED_WRITER_BYTES_MAX) sharedWriter = protobuf.Writer.create();
  return encoded;
}

export function createMessageCodec<T = DecodedMessage>(type: protobuf.Type): MessageCodec<T> {
  type.setup();
  const name = type.fullName.replace(/^\./, '');
  return {
    name,
    type,
    encode(message) {
      // fromObject turns bigint and decimal strings into exact 64-bit values; encode alone would not understand
      // bigint (it would silently write 0).
      return encodeWithSharedWriter(type, type.fromObject(message as Record<string, unknown>));
    },
    decode(bytes) {
      const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      return type.toObject(type.decode(buffer), DECODE_OPTIONS) as T;
    },
  };
}

/** Codecs for every message of a Root, created on first use and cached. */
export class CodecRegistry {
  private readonly codecs = new Map<string, MessageCodec>();

  constructor(readonly root: protobuf.Root) {}

  /** The codec for a message by full name ("etcdserverpb.RangeResponse"); throws on an unknown name. */
  type<T = DecodedMessage>(fullName: string): MessageCodec<T> {
    let codec = this.codecs.get(fullName);
    if (!codec) {
      codec = createMessageCodec(this.root.lookupType(fullName));
      this.codecs.set(fullName, codec);
    }
    return codec as MessageCodec<T>;
  }
}
