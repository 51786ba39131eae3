// One watcher: what it watches, how far it has been given events, and what waits for it in its stream.

import type { KeyRange } from '../mvcc/index.ts';
import type { WatchStream } from './stream.ts';

export type WatcherState = 'synced' | 'unsynced' | 'compacted' | 'canceled';

export interface WatcherOptions {
  noPut: boolean;
  noDelete: boolean;
  prevKv: boolean;
  progressNotify: boolean;
  fragment: boolean;
}

/** Owned by its stream, grouped by the hub. */
export class Watcher {
  state: WatcherState = 'canceled';
  /** The first revision this watcher has not been given (etcd's minRev). */
  nextRev = 0;
  /** Events and approximate bytes of this watcher waiting in its stream's queue. */
  queuedEvents = 0;
  queuedBytes = 0;
  /** etcd's per-watcher progress flag: no events were sent since the last progress tick. */
  progressDue = true;

  constructor(
    readonly id: number,
    readonly stream: WatchStream,
    readonly range: KeyRange,
    readonly options: WatcherOptions,
  ) {}
}
