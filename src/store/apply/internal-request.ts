// Log entries of the store: barque.store.InternalRequest (proto/internal.proto). A client's etcd request bytes go
// into the entry as they were received, so each request is encoded once; the applier decodes them.
import { createMessageCodec, loadProtoRoot, PROTO_ROOT, type MessageCodec } from '../proto/index.ts';

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

interface WireInternalRequest {
  id: bigint;
  auth_revision?: bigint;
  request: InternalRequestKind | undefined;
  [field: string]: unknown;
}

let codec: MessageCodec<WireInternalRequest> | undefined;

function internalCodec(): MessageCodec<WireInternalRequest> {
  codec ??= createMessageCodec<WireInternalRequest>(
    loadProtoRoot(PROTO_ROOT, ['internal.proto']).lookupType('barque.store.InternalRequest'),
  );
  return codec;
}

export function encodeInternalRequest(req: InternalRequest): Buffer {
  const wire: WireInternalRequest = { id: req.id, request: req.kind, [req.kind]: req.body };
  if (req.authRevision !== undefined && req.authRevision !== 0n) wire.auth_revision = req.authRevision;
  return internalCodec().encode(wire);
}

/** Throws on bytes that are not an InternalRequest or carry no request. */
export function decodeInternalRequest(bytes: Uint8Array): InternalRequest {
  const wire = internalCodec().decode(bytes);
  const kind = wire.request;
  if (kind === undefined || kind === null) throw new Error('internal request without a request');
  return { id: wire.id, kind, body: wire[kind] as Buffer, authRevision: BigInt(wire.auth_revision ?? 0n) };
}
