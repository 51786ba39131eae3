// proto/apiserver.proto loaded once per process: codecs and the grpc-js service definition, shared by the server
// (this folder) and the client library (src/agents/client). Also the message shapes as decoded (see
// src/store/proto/codec.ts: int64 = bigint, bytes = Buffer, enums = numbers, absent messages = null).
import { CodecRegistry, loadProtoRoot, PROTO_ROOT, type GrpcService } from '../../store/proto/index.ts';
import { buildGrpcService } from '../../store/proto/grpc-services.ts';

export const APISERVER_PROTO_FILES: readonly string[] = ['apiserver.proto'];
export const APISERVER_SERVICE = 'barque.apiserver.ApiServer';

let service: GrpcService | undefined;

/** The ApiServer service: `server.addService(s.definition, impl)`, `new s.Client(address, credentials)`. */
export function apiserverService(): GrpcService {
  if (service === undefined) {
    const root = loadProtoRoot(PROTO_ROOT, APISERVER_PROTO_FILES);
    service = buildGrpcService(root.lookupService(APISERVER_SERVICE), new CodecRegistry(root));
  }
  return service;
}

/** Messages are unbounded in size on both sides: a list of many objects easily passes grpc-js's 4 MiB default. */
export const GRPC_MESSAGE_OPTIONS = { 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 } as const;

export interface ResourceRefMsg {
  group: string;
  version: string;
  resource: string;
}

export interface ListOptionsMsg {
  label_selector: string;
  field_selector: string;
  limit: bigint | number;
  continue: string;
  resource_version: string;
  resource_version_match: string;
}

export interface OptionalInt64Msg {
  value: bigint | number;
}

export interface GetRequestMsg {
  resource: ResourceRefMsg | null;
  namespace: string;
  name: string;
  subresource: string;
}

export interface ListRequestMsg {
  resource: ResourceRefMsg | null;
  namespace: string;
  options: ListOptionsMsg | null;
}

export interface ListResponseMsg {
  items: Buffer[];
  resource_version: string;
  continue: string;
  remaining_item_count: OptionalInt64Msg | null;
}

export interface CreateRequestMsg {
  resource: ResourceRefMsg | null;
  namespace: string;
  object: Buffer;
  dry_run: boolean;
  field_manager: string;
  name: string;
  subresource: string;
}

export interface UpdateRequestMsg {
  resource: ResourceRefMsg | null;
  namespace: string;
  name: string;
  object: Buffer;
  dry_run: boolean;
  field_manager: string;
  subresource: string;
}

export interface PatchRequestMsg {
  resource: ResourceRefMsg | null;
  namespace: string;
  name: string;
  type: number;
  patch: Buffer;
  subresource: string;
  dry_run: boolean;
  field_manager: string;
  force: boolean;
}

export interface DeleteOptionsMsg {
  preconditions: { uid: string; resource_version: string } | null;
  propagation_policy: string;
  grace_period_seconds: OptionalInt64Msg | null;
  dry_run: boolean;
}

export interface DeleteRequestMsg {
  resource: ResourceRefMsg | null;
  namespace: string;
  name: string;
  options: DeleteOptionsMsg | null;
}

export interface WatchRequestMsg {
  resource: ResourceRefMsg | null;
  namespace: string;
  options: ListOptionsMsg | null;
  allow_watch_bookmarks: boolean;
  timeout_seconds: bigint | number;
}

export interface WatchEventMsg {
  type: number;
  object: Buffer;
}

/** PatchType numbers and the content type each stands for. */
export const PATCH_TYPES: Readonly<Record<number, string>> = {
  1: 'application/json-patch+json',
  2: 'application/merge-patch+json',
  3: 'application/strategic-merge-patch+json',
  4: 'application/apply-patch+yaml',
};

/** EventType numbers. */
export const EVENT_TYPES = ['', 'ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR'] as const;
export type WireEventType = Exclude<(typeof EVENT_TYPES)[number], ''>;
