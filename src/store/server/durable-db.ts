// The member's backend database. Durability comes from the MVCC store itself, which writes every committed batch
// with LevelDB's sync option (MvccOptions.syncWrites, on by default), so an acknowledged write survives kill -9.
import { ClassicLevel } from 'classic-level';
import type { MvccDb } from '../mvcc/index.ts';

export function openDurableDb(location: string): MvccDb {
  return new ClassicLevel<Buffer, Buffer>(location, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
}
