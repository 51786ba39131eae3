// The door of the watch room: etcd's watch hub (synced / unsynced watchers over the MVCC store) and one
// WatchStream per gRPC Watch stream.

export { WatchHub, type WatchHubOptions } from './hub.ts';
export { Watcher, type WatcherState, type WatcherOptions } from './watcher.ts';
export { WatchStream, type StreamLimits } from './stream.ts';
export { fragment, fragmentResponse, eventSize, watchResponseSize, DEFAULT_MAX_RESPONSE_BYTES } from './fragment.ts';
export { WatcherIndex } from './watcher-index.ts';
export {
  WatchFilter,
  ERR_WATCHER_DUPLICATE_ID,
  ERR_EMPTY_WATCHER_RANGE,
  type WatchCreateRequest,
  type WatchRequest,
  type WatchResponse,
  type WatchSource,
} from './types.ts';
