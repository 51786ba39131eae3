// The door of src/raft/storage/durable: LogStorage on disk (segmented, CRC-checked WAL with group commit).
export { DurableStorage, type DurableStorageOptions, type DurableStorageStats } from './durable-storage.ts';
export { WalCorruptError } from './wal.ts';
export { SnapshotFileError } from './snapshot-file.ts';
