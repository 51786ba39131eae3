// The door to the storage layer: our etcd v3 client and Kubernetes objects kept in etcd the way kube-apiserver keeps
// them.
export { Compactor, COMPACT_REV_KEY, DEFAULT_COMPACTION_INTERVAL_MS } from './compactor.ts';
export { ContinueTokenError, decodeContinue, encodeContinue } from './continue-token.ts';
export { EtcdClient, EtcdWatchError, endpointAddress, isCompacted, isUnavailable, prefixEnd, type EtcdClientOptions, type EtcdClientTls, type EtcdWatch } from './etcd-client.ts';
export { isStorageError, StorageError, type StorageErrorCode } from './errors.ts';
export { decode, encode, ObjectStore, type ListOptions, type ListResult, type RawListResult, type StoredEvent, type StoreWatchHandlers, type Updater } from './object-store.ts';
export { inEncodedShape, storedJson } from './stored-json.ts';
export { LeaseManager, type LeaseGranter, type LeaseManagerOptions } from './lease-manager.ts';
