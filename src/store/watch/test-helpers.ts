// Shared by this room's tests: a temporary MVCC store with a hub, and terse writers and readers.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MvccStore, type Event, type MvccOptions } from '../mvcc/index.ts';
import { WatchHub, type WatchHubOptions } from './hub.ts';
import type { WatchStream } from './stream.ts';
import type { WatchResponse } from './types.ts';

export const b = (s: string) => Buffer.from(s);

export interface Fixture {
  store: MvccStore;
  hub: WatchHub;
  put(key: string, value: string): Promise<void>;
  del(key: string, rangeEnd?: string): Promise<void>;
  /** Several writes committed as one batch. */
  batch(fn: (s: MvccStore) => void): Promise<void>;
  cleanup(): Promise<void>;
}

export async function fixture(options: WatchHubOptions = {}, storeOptions: MvccOptions = {}): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'barque-watch-'));
  const store = await MvccStore.open(dir, storeOptions);
  const hub = new WatchHub(store, options);
  const batch = async (fn: (s: MvccStore) => void) => {
    await store.writeBatch((s) => fn(s));
  };
  return {
    store,
    hub,
    batch,
    put: (key, value) => batch((s) => s.put({ key: b(key), value: b(value) })),
    del: (key, rangeEnd) => batch((s) => s.deleteRange({ key: b(key), rangeEnd: rangeEnd === undefined ? undefined : b(rangeEnd) })),
    async cleanup() {
      hub.close();
      await hub.idle();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every response waiting now. */
export function drain(stream: WatchStream): WatchResponse[] {
  const out: WatchResponse[] = [];
  for (let r = stream.read(); r !== undefined; r = stream.read()) out.push(r);
  return out;
}

/** Reads until the hub's catch-up has nothing left to do and nothing is waiting. */
export async function drainAll(hub: WatchHub, stream: WatchStream): Promise<WatchResponse[]> {
  const out: WatchResponse[] = [];
  for (;;) {
    await hub.idle();
    const got = drain(stream);
    if (got.length === 0) {
      await hub.idle();
      if (stream.queuedResponses === 0) return out;
    }
    out.push(...got);
  }
}

/** An event as a short string: "put a=1@5" / "del a@6". */
export function showEvent(e: Event): string {
  return e.type === 0 ? `put ${e.kv.key}=${e.kv.value}@${e.kv.modRevision}` : `del ${e.kv.key}@${e.kv.modRevision}`;
}

export function events(resps: WatchResponse[], watchId?: number): string[] {
  return resps.filter((r) => watchId === undefined || r.watchId === watchId).flatMap((r) => r.events.map(showEvent));
}
