// Shared by this room's tests: temporary stores and terse request builders.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MvccStore, type MvccDb, type MvccOptions } from './store.ts';
import type { KeyValue } from './types.ts';

export const b = (s: string) => Buffer.from(s);

export interface TempStore {
  store: MvccStore;
  dir: string;
  reopen(options?: MvccOptions): Promise<MvccStore>;
  cleanup(): Promise<void>;
}

export async function tempStore(options: MvccOptions = {}): Promise<TempStore> {
  const dir = mkdtempSync(join(tmpdir(), 'barque-mvcc-'));
  const t: TempStore = {
    store: await MvccStore.open(dir, options),
    dir,
    async reopen(opts = options) {
      await t.store.close();
      t.store = await MvccStore.open(dir, opts);
      return t.store;
    },
    async cleanup() {
      try {
        if (t.store.inBatch) await t.store.commitBatch();
        await t.store.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  return t;
}

/** Holds every batch write of `db` until release(); count() tells how many writes are waiting or went through. */
export function holdWrites(db: MvccDb): { release: () => void; count: () => number } {
  type Writable = { write: (...args: unknown[]) => Promise<void> };
  const realBatch = db.batch.bind(db) as () => Writable;
  let release: () => void = () => undefined;
  const held = new Promise<void>((r) => (release = r));
  let n = 0;
  (db as unknown as { batch: () => Writable }).batch = () => {
    const batch = realBatch();
    const realWrite = batch.write.bind(batch);
    batch.write = async (...args: unknown[]) => {
      n++;
      await held;
      return realWrite(...args);
    };
    return batch;
  };
  return { release: () => release(), count: () => n };
}

/** A key-value as plain strings, for readable expectations. */
export function show(kv: KeyValue | undefined) {
  if (kv === undefined) return undefined;
  return {
    key: kv.key.toString(),
    value: kv.value.toString(),
    create: kv.createRevision,
    mod: kv.modRevision,
    ver: kv.version,
    lease: kv.lease,
  };
}
