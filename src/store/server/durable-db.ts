// The backend database with every batch written durably (LevelDB's sync option: the write-ahead log is fsynced
// before the batch resolves), so a write acknowledged to a client survives kill -9 and power loss alike.
import { ClassicLevel } from 'classic-level';
import type { MvccDb } from '../mvcc/index.ts';

interface BatchHook {
  _batch(operations: unknown[], options: Record<string, unknown> | null): Promise<void>;
}

export function openDurableDb(location: string): MvccDb {
  const db = new ClassicLevel<Buffer, Buffer>(location, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  const hook = db as unknown as BatchHook;
  const batch = hook._batch.bind(db);
  hook._batch = (operations, options) => batch(operations, { ...(options ?? {}), sync: true });
  return db;
}
