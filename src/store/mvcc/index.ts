// The door of the MVCC room: etcd's key-value semantics (revisions, history, txn, compaction) on classic-level.

export { MvccStore, KEY_PREFIX, META_PREFIX } from './store.ts';
export type {
  CommitMeta,
  CommittedBatch,
  CompactionResult,
  DbOp,
  HashKvResult,
  HashResult,
  MvccDb,
  MvccLogger,
  MvccOptions,
} from './store.ts';
export * from './types.ts';
export { MvccError, MvccErrorCode, mvccErrorText, isMvccError } from './errors.ts';
export { DEFAULT_MAX_TXN_OPS, checkTxnRequest, checkPutRequest, checkRangeRequest, checkDeleteRequest } from './txn-check.ts';
export { prefixEnd, toKeyRange, rangeContains } from './key-range.ts';
export { encodeRevision, decodeRevision, compareRevision, type Revision } from './revision.ts';
export { Crc32c, decodeKeyValue, encodeEtcdKeyValue, ETCD_KEY_BUCKET } from './codec.ts';
