// Watch validators: one watcher's stream against itself and against the store's write history.

export type {
  EventType,
  HistoryEvent,
  KeyValueSnapshot,
  RecordedWatch,
  RecordedWatchResponse,
  RevisionRecord,
  WatchCreateParams,
  WatchEvent,
  WatchFilterName,
  WatchProperty,
  WatchViolation,
} from './types.ts';
export { WriteHistory, inWatchedRange } from './write-history.ts';
export { checkAtomic, checkFilters, checkOrdered, checkUnique } from './stream-checks.ts';
export { checkBookmarkable, checkPrevKv, checkReliable, checkValid } from './history-checks.ts';
export { checkResumable } from './resumable.ts';
export { formatWatchViolations, validateWatches, type ValidateOptions } from './validate.ts';
