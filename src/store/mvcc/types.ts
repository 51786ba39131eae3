// Domain types of the MVCC store. They mirror etcd's mvccpb and etcdserverpb messages field for field (camelCase,
// revisions as number, lease IDs as bigint, keys and values as Buffer) so the gRPC layer converts 1:1.
// Optional request fields take the proto default (0, false, empty) when absent.

/** A key's state at one revision. Shared with the store's memory: treat as immutable. */
export interface KeyValue {
  readonly key: Buffer;
  /** Revision of the put that created the key's current generation. */
  readonly createRevision: number;
  /** Main revision of the last modification. */
  readonly modRevision: number;
  /** 1 on create, +1 per put, starts again after a delete. */
  readonly version: number;
  readonly value: Buffer;
  /** 0n = no lease. */
  readonly lease: bigint;
}

export enum EventType {
  Put = 0,
  Delete = 1,
}

/**
 * One change. For a delete, kv carries only key and modRevision (the deleting revision), as etcd sends it.
 * prevKv is the key's state just before the change, when known.
 */
export interface Event {
  readonly type: EventType;
  readonly kv: KeyValue;
  readonly prevKv?: KeyValue;
}

/** The part of etcd's ResponseHeader the store knows; the server adds cluster_id, member_id and raft_term. */
export interface ResponseHeader {
  revision: number;
}

export enum SortOrder {
  None = 0,
  Ascend = 1,
  Descend = 2,
}

export enum SortTarget {
  Key = 0,
  Version = 1,
  Create = 2,
  Mod = 3,
  Value = 4,
}

export interface RangeRequest {
  key: Buffer;
  /** Empty/absent: the single key. "\0": every key >= key. Otherwise [key, rangeEnd). */
  rangeEnd?: Buffer;
  /** 0 = no limit. */
  limit?: number;
  /** <= 0 = latest. */
  revision?: number;
  sortOrder?: SortOrder;
  sortTarget?: SortTarget;
  /** Meaningful to the server only (read path); the store ignores it. */
  serializable?: boolean;
  keysOnly?: boolean;
  countOnly?: boolean;
  minModRevision?: number;
  maxModRevision?: number;
  minCreateRevision?: number;
  maxCreateRevision?: number;
}

export interface RangeResponse {
  header: ResponseHeader;
  kvs: KeyValue[];
  /** More keys match than the limit returned. */
  more: boolean;
  /** Number of keys in the range at the revision, ignoring limit and the min/max revision filters (as etcd). */
  count: number;
}

export interface PutRequest {
  key: Buffer;
  value?: Buffer;
  lease?: bigint;
  prevKv?: boolean;
  ignoreValue?: boolean;
  ignoreLease?: boolean;
}

export interface PutResponse {
  header: ResponseHeader;
  prevKv?: KeyValue;
}

export interface DeleteRangeRequest {
  key: Buffer;
  rangeEnd?: Buffer;
  prevKv?: boolean;
}

export interface DeleteRangeResponse {
  header: ResponseHeader;
  deleted: number;
  prevKvs: KeyValue[];
}

export enum CompareResult {
  Equal = 0,
  Greater = 1,
  Less = 2,
  NotEqual = 3,
}

export enum CompareTarget {
  Version = 0,
  Create = 1,
  Mod = 2,
  Value = 3,
  Lease = 4,
}

/** etcd's Compare: the target_union oneof is flattened; only the field named by `target` is read. */
export interface Compare {
  result: CompareResult;
  target: CompareTarget;
  key: Buffer;
  rangeEnd?: Buffer;
  version?: number;
  createRevision?: number;
  modRevision?: number;
  value?: Buffer;
  lease?: bigint;
}

export type RequestOp =
  | { requestRange: RangeRequest }
  | { requestPut: PutRequest }
  | { requestDeleteRange: DeleteRangeRequest }
  | { requestTxn: TxnRequest };

export type ResponseOp =
  | { responseRange: RangeResponse }
  | { responsePut: PutResponse }
  | { responseDeleteRange: DeleteRangeResponse }
  | { responseTxn: TxnResponse };

export interface TxnRequest {
  compare?: Compare[];
  success?: RequestOp[];
  failure?: RequestOp[];
}

export interface TxnResponse {
  header: ResponseHeader;
  succeeded: boolean;
  responses: ResponseOp[];
}

export interface CompactionRequest {
  revision: number;
  /** The caller (server) waits for `done` of the result before answering when set. */
  physical?: boolean;
}

export interface CompactionResponse {
  header: ResponseHeader;
}

/** A key range as the store uses it internally: end undefined = single key, end null = unbounded above. */
export interface KeyRange {
  key: Buffer;
  end: Buffer | null | undefined;
}
