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
  | 'member_attributes';

/** A request ready for the log: its kind and the etcd request message's bytes. */
export interface InternalRequest {
  id: bigint;
  kind: InternalRequestKind;
  body: Buffer;
}

interface WireInternalRequest {
  id: bigint;
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
  return internalCodec().encode({ id: req.id, [req.kind]: req.body });
}

/** Throws on bytes that are not an InternalRequest or carry no request. */
export function decodeInternalRequest(bytes: Uint8Array): InternalRequest {
  const wire = internalCodec().decode(bytes);
  const kind = wire.request;
  if (kind === undefined || kind === null) throw new Error('internal request without a request');
  return { id: wire.id, kind, body: wire[kind] as Buffer };
}
