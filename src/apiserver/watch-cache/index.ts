// The door to the watch cache: one per resource, serving list and watch from memory.
export { keyOf, TooOldResourceVersionError, WatchCache, type CacheEvent, type CacheWatch, type WatchCacheOptions, type WatchEventType, type WatchRequest, type WatchSink } from './watch-cache.ts';
export { eventJson } from './event-json.ts';
