// How much of a member's data stays in memory, beyond what etcd has flags for: the Raft log's entry payloads
// (src/raft/storage/durable) and the latest values of the MVCC store (src/store/mvcc/resident-values.ts); the
// rest is read from disk when needed. Environment variables, so that tests can send every such read to the disk
// and measurements can compare sizes: BARQUE_RESIDENT_ENTRY_BYTES and BARQUE_RESIDENT_VALUE_BYTES (bytes;
// absent: the defaults, 16 MiB and 32 MiB).

export interface MemoryBudgets {
  residentEntryBytes?: number;
  residentValueBytes?: number;
}

export function memoryBudgets(env: NodeJS.ProcessEnv = process.env): MemoryBudgets {
  return {
    residentEntryBytes: bytesFrom(env, 'BARQUE_RESIDENT_ENTRY_BYTES'),
    residentValueBytes: bytesFrom(env, 'BARQUE_RESIDENT_VALUE_BYTES'),
  };
}

function bytesFrom(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name}: want a number of bytes (0 or more), got "${text}"`);
  return n;
}
