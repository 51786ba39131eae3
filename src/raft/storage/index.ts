// The door of src/raft/storage: LogStorage implementations.
//
// Not exported here: the durable WAL (./durable, which needs node:fs, while the deterministic core and the
// simulator import this door) and the compliance suite (log-storage-compliance.ts, which imports vitest).
export { MemoryStorage, cloneConfState, type MemoryStorageOptions } from './memory-storage.ts';
