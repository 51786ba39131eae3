// Domain types of the watch hub. They mirror etcd's WatchRequest / WatchResponse field for field (camelCase);
// watch IDs are numbers (etcd's int64, in practice small), events are the MVCC store's.

import type { CommittedBatch, Event, KeyValue } from '../mvcc/index.ts';

export enum WatchFilter {
  /** Drop put events. */
  NoPut = 0,
  /** Drop delete events. */
  NoDelete = 1,
}

export interface WatchCreateRequest {
  /** Empty: "\0", the smallest key (as etcd). */
  key: Buffer;
  /** Empty/absent: the one key. "\0": every key >= key. Otherwise [key, rangeEnd). */
  rangeEnd?: Buffer;
  /** 0/absent: from the next revision (current + 1). */
  startRevision?: number;
  progressNotify?: boolean;
  filters?: WatchFilter[];
  prevKv?: boolean;
  /** 0/absent: the stream picks the lowest free ID. */
  watchId?: number;
  /** Split large responses by the stream's maxResponseBytes, as etcd's fragment option. */
  fragment?: boolean;
}

export type WatchRequest =
  | { createRequest: WatchCreateRequest }
  | { cancelRequest: { watchId: number } }
  | { progressRequest: Record<string, never> };

export interface WatchResponse {
  /** The store's part of the header; the server adds cluster_id, member_id and raft_term. */
  header: { revision: number };
  watchId: number;
  created: boolean;
  canceled: boolean;
  compactRevision: number;
  cancelReason: string;
  /** More responses of the same batch follow (fragment option only). */
  fragment: boolean;
  events: Event[];
}

/** What the hub needs from the MVCC store; MvccStore satisfies it. */
export interface WatchSource {
  /** Latest revision announced through onCommitted: every committed batch up to it has been. */
  readonly publishedRevision: number;
  readonly compactRevision: number;
  /** Events from startRev to the published revision, whole revisions, at most about `limit` events. */
  eventsSince(
    startRev: number,
    keys: { key: Buffer; rangeEnd?: Buffer },
    limit?: number,
  ): Promise<{ events: Event[]; nextRevision: number }>;
  onCommitted(listener: (batch: CommittedBatch) => void): () => void;
  /**
   * An event's prevKv with its value: a committed batch's events may carry a key-value whose value was let go of
   * (src/store/mvcc/resident-values.ts), read back only for a watcher that asked for prev_kv. Undefined when its
   * record was compacted away meanwhile (the event then goes without prev_kv, as etcd sends it).
   */
  readBack(kv: KeyValue): KeyValue | undefined;
}

/** etcd's texts for refused creates (cancel_reason). */
export const ERR_WATCHER_DUPLICATE_ID = 'mvcc: duplicate watch ID provided on the WatchStream';
export const ERR_EMPTY_WATCHER_RANGE = 'mvcc: watcher range is empty';
/** barque only: etcd takes any int64 ID, the hub's IDs are exact JS numbers. */
export const ERR_WATCH_ID_OUT_OF_RANGE = 'mvcc: watch ID out of range';
