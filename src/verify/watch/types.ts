// What the watch validators read: the store's write history (each revision's events) and what each watcher
// received. Keys and values are strings; convert etcd's bytes with latin1 so that string order is byte order.

export type EventType = 'put' | 'delete';

export interface KeyValueSnapshot {
  readonly key: string;
  readonly value: string;
  readonly createRevision: number;
  readonly modRevision: number;
  readonly version: number;
  /** 0 or absent: none. */
  readonly lease?: number;
}

/** One change of the write history; its revision is the record's. */
export interface HistoryEvent {
  readonly type: EventType;
  readonly key: string;
  /** Puts only. */
  readonly value?: string;
  /** Optional: derived from the history when absent. */
  readonly createRevision?: number;
  readonly version?: number;
  readonly lease?: number;
}

/** Every revision from the first record to the last must be present (a write is one revision). */
export interface RevisionRecord {
  readonly revision: number;
  readonly events: readonly HistoryEvent[];
}

/** As a watcher received it. For a delete, kv carries the key and the deleting revision. */
export interface WatchEvent {
  readonly type: EventType;
  readonly kv: {
    readonly key: string;
    readonly modRevision: number;
    readonly value?: string;
    readonly createRevision?: number;
    readonly version?: number;
    readonly lease?: number;
  };
  readonly prevKv?: KeyValueSnapshot;
}

export type WatchFilterName = 'noPut' | 'noDelete';

export interface WatchCreateParams {
  readonly key: string;
  /** Absent or empty: the one key. "\0": every key >= key. Otherwise [key, rangeEnd). */
  readonly rangeEnd?: string;
  /** 0 or absent: from the created response's header revision + 1. */
  readonly startRevision?: number;
  readonly filters?: readonly WatchFilterName[];
  readonly prevKv?: boolean;
}

export interface RecordedWatchResponse {
  readonly headerRevision: number;
  readonly events: readonly WatchEvent[];
  /** More responses of the same batch follow. */
  readonly fragment?: boolean;
  readonly created?: boolean;
  readonly canceled?: boolean;
  readonly compactRevision?: number;
  /** Default: a response with no events that is neither created, canceled nor a fragment. */
  readonly progressNotify?: boolean;
}

export interface RecordedWatch {
  /** Used in violation reports; default "watch #<index>". */
  readonly name?: string;
  readonly request: WatchCreateParams;
  readonly responses: readonly RecordedWatchResponse[];
}

export type WatchProperty =
  | 'ordered'
  | 'unique'
  | 'atomic'
  | 'reliable'
  | 'resumable'
  | 'bookmarkable'
  | 'prev-kv'
  | 'filters'
  /** Every delivered event is the history's event at that revision. */
  | 'valid';

export interface WatchViolation {
  readonly property: WatchProperty;
  readonly watch: string;
  /** Index of the offending response, when there is one. */
  readonly response?: number;
  readonly revision?: number;
  readonly key?: string;
  readonly description: string;
}
