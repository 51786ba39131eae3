// Log entries of the store: barque.store.InternalRequest (proto/internal.proto). A client's etcd request bytes go
// into the entry as they were received, so each request is encoded once; the applier decodes them.
import { assert } from '../../raft/assert.ts';
import { varint64Size, varintSize, WIRE_BYTES, WIRE_VARINT, WireReader, writeVarint, writeVarint64 } from '../proto/wire-primitives.ts';

export type InternalRequestKind =
  | 'range'
  | 'put'
  | 'delete_range'
  | 'txn'
  | 'compaction'
  | 'lease_grant'
  | 'lease_revoke'
  | 'lease_checkpoint'
  | 'alarm'
  | 'member_attributes'
  | AuthRequestKind;

/** Auth changes through the log (applied by src/store/auth). */
export type AuthRequestKind =
  | 'auth_enable'
  | 'auth_disable'
  | 'authenticate'
  | 'auth_user_add'
  | 'auth_user_delete'
  | 'auth_user_change_password'
  | 'auth_user_grant_role'
  | 'auth_user_revoke_role'
  | 'auth_role_add'
  | 'auth_role_delete'
  | 'auth_role_grant_permission'
  | 'auth_role_revoke_permission';

/** A request ready for the log: its kind and the etcd request message's bytes. */
export interface InternalRequest {
  id: bigint;
  kind: InternalRequestKind;
  body: Buffer;
  /** The auth revision the request was checked against; 0n or absent: not checked. */
  authRevision?: bigint;
}

/** InternalRequest's oneof members by field number (proto/internal.proto). */
const KIND_BY_FIELD: ReadonlyMap<number, InternalRequestKind> = new Map<number, InternalRequestKind>([
  [2, 'range'],
  [3, 'put'],
  [4, 'delete_range'],
  [5, 'txn'],
  [6, 'compaction'],
  [7, 'lease_grant'],
  [8, 'lease_revoke'],
  [9, 'lease_checkpoint'],
  [10, 'alarm'],
  [11, 'member_attributes'],
  [12, 'auth_enable'],
  [13, 'auth_disable'],
  [14, 'authenticate'],
  [15, 'auth_user_add'],
  [16, 'auth_user_delete'],
  [17, 'auth_user_change_password'],
  [18, 'auth_user_grant_role'],
  [19, 'auth_user_revoke_role'],
  [20, 'auth_role_add'],
  [21, 'auth_role_delete'],
  [22, 'auth_role_grant_permission'],
  [23, 'auth_role_revoke_permission'],
]);
const FIELD_BY_KIND: ReadonlyMap<InternalRequestKind, number> = new Map([...KIND_BY_FIELD].map(([field, kind]) => [kind, field]));
const FIELD_ID = 1;
const FIELD_AUTH_REVISION = 30;
const UINT64_MAX = (1n << 64n) - 1n;

// Every proposal is encoded and every applied entry decoded through here, so the message is read and written by
// hand: through protobufjs (Message objects, Long values, toObject/fromObject) it was a tenth of a busy member's
// allocations. The bytes are the same protobuf (tests check both ways against the .proto).
export function encodeInternalRequest(req: InternalRequest): Buffer {
  const field = FIELD_BY_KIND.get(req.kind);
  assert(field !== undefined, () => `unknown internal request kind ${req.kind}`);
  assert(req.id >= 0n && req.id <= UINT64_MAX, () => `internal request id ${req.id} is not a uint64`);
  const auth = req.authRevision ?? 0n;
  assert(auth >= 0n && auth <= UINT64_MAX, () => `auth revision ${auth} is not a uint64`);
  const bodyTag = (field << 3) | WIRE_BYTES;
  const size =
    1 +
    varint64Size(req.id) +
    varintSize(bodyTag) +
    varintSize(req.body.length) +
    req.body.length +
    (auth !== 0n ? varintSize((FIELD_AUTH_REVISION << 3) | WIRE_VARINT) + varint64Size(auth) : 0);
  const buf = Buffer.allocUnsafe(size);
  let pos = writeVarint(buf, 0, (FIELD_ID << 3) | WIRE_VARINT);
  pos = writeVarint64(buf, pos, req.id);
  // The oneof member is written even when empty: its presence is what names the request.
  pos = writeVarint(buf, pos, bodyTag);
  pos = writeVarint(buf, pos, req.body.length);
  pos += req.body.copy(buf, pos);
  if (auth !== 0n) {
    pos = writeVarint(buf, pos, (FIELD_AUTH_REVISION << 3) | WIRE_VARINT);
    pos = writeVarint64(buf, pos, auth);
  }
  assert(pos === size, () => `internal request encoder wrote ${pos} bytes of ${size}`);
  return buf;
}

/** Throws on bytes that are not an InternalRequest or carry no request. */
export function decodeInternalRequest(bytes: Uint8Array): InternalRequest {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const r = new WireReader(buffer);
  let id = 0n;
  let authRevision = 0n;
  let kind: InternalRequestKind | undefined;
  let body: Buffer | undefined;
  while (!r.done) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (field === FIELD_ID && wireType === WIRE_VARINT) id = r.uint64();
    else if (field === FIELD_AUTH_REVISION && wireType === WIRE_VARINT) authRevision = r.uint64();
    else if (wireType === WIRE_BYTES && KIND_BY_FIELD.has(field)) {
      // A oneof seen twice keeps the last member, as protobuf parsers do.
      kind = KIND_BY_FIELD.get(field);
      body = r.bytes();
    } else r.skip(wireType);
  }
  if (kind === undefined || body === undefined) throw new Error('internal request without a request');
  return { id, kind, body, authRevision };
}
