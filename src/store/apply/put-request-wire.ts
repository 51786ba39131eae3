// PutRequest bytes -> the MVCC store's PutRequest, by hand, for the entry applier: every put of every member is
// decoded here, and protobufjs (a Message, a Long for the lease, then toObject) cost allocations and time the
// applier's batch waits for. Anything this reader does not expect (a known field with another wire type, bytes
// that do not parse) goes to the general codec, so what is accepted or refused does not change.
import type { PutRequest } from '../mvcc/index.ts';
import { WIRE_BYTES, WIRE_VARINT, WireFormatError, WireReader } from '../proto/wire-primitives.ts';

const FIELD_KEY = 1;
const FIELD_VALUE = 2;
const FIELD_LEASE = 3;
const FIELD_PREV_KV = 4;
const FIELD_IGNORE_VALUE = 5;
const FIELD_IGNORE_LEASE = 6;

/** The general path: etcdserverpb.PutRequest through the message codecs. */
export type GeneralPutDecoder = (body: Buffer) => PutRequest;

class Uncommon extends Error {}

export function decodePutRequest(body: Buffer, general: GeneralPutDecoder): PutRequest {
  try {
    return readPut(body);
  } catch (e) {
    if (e instanceof Uncommon || e instanceof WireFormatError) return general(body);
    throw e;
  }
}

function readPut(body: Buffer): PutRequest {
  const r = new WireReader(body);
  const put: PutRequest = { key: EMPTY, value: EMPTY, lease: 0n, prevKv: false, ignoreValue: false, ignoreLease: false };
  while (!r.done) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wireType = tag & 7;
    switch (field) {
      case FIELD_KEY:
        want(wireType, WIRE_BYTES);
        put.key = r.bytes();
        break;
      case FIELD_VALUE:
        want(wireType, WIRE_BYTES);
        put.value = r.bytes();
        break;
      case FIELD_LEASE:
        want(wireType, WIRE_VARINT);
        put.lease = r.int64();
        break;
      case FIELD_PREV_KV:
        want(wireType, WIRE_VARINT);
        put.prevKv = bool(r.uint64());
        break;
      case FIELD_IGNORE_VALUE:
        want(wireType, WIRE_VARINT);
        put.ignoreValue = bool(r.uint64());
        break;
      case FIELD_IGNORE_LEASE:
        want(wireType, WIRE_VARINT);
        put.ignoreLease = bool(r.uint64());
        break;
      default:
        r.skip(wireType);
    }
  }
  return put;
}

const EMPTY = Buffer.alloc(0);

/** protobuf's bool is the varint's low 32 bits (the general codec reads it so): wider values are its to judge. */
function bool(v: bigint): boolean {
  if (v > 0xffff_ffffn) throw new Uncommon();
  return v !== 0n;
}

function want(wireType: number, wanted: number): void {
  if (wireType !== wanted) throw new Uncommon();
}
