// Test support: a write history and the stream a correct watcher would receive from it.

import type { RecordedWatch, RecordedWatchResponse, RevisionRecord, WatchCreateParams, WatchEvent } from './types.ts';
import { WriteHistory } from './write-history.ts';

export const HISTORY: RevisionRecord[] = [
  { revision: 2, events: [{ type: 'put', key: 'a', value: '1' }] },
  { revision: 3, events: [{ type: 'put', key: 'b', value: '1' }] },
  { revision: 4, events: [{ type: 'put', key: 'a', value: '2' }, { type: 'delete', key: 'b' }] },
  { revision: 5, events: [{ type: 'delete', key: 'a' }] },
  { revision: 6, events: [{ type: 'put', key: 'c', value: '1' }] },
  { revision: 7, events: [{ type: 'put', key: 'a', value: '3' }] },
];

/** One response per revision, as a correct server with no fragmenting would send them, then a progress notify. */
export function correctWatch(records: readonly RevisionRecord[], request: WatchCreateParams, name?: string): RecordedWatch {
  const history = new WriteHistory(records);
  const start = request.startRevision ?? history.last + 1;
  const responses: RecordedWatchResponse[] = [{ headerRevision: history.last, events: [], created: true }];
  for (let rev = start; rev <= history.last; rev++) {
    const events: WatchEvent[] = history.expected(request, rev, rev).map(({ event }) => {
      const after = history.stateBefore(event.key, rev + 1);
      const kv = event.type === 'put' && after && after !== 'unknown' ? after : { key: event.key, modRevision: rev };
      const prev = history.stateBefore(event.key, rev);
      return request.prevKv && prev && prev !== 'unknown' ? { type: event.type, kv, prevKv: prev } : { type: event.type, kv };
    });
    if (events.length) responses.push({ headerRevision: history.last, events });
  }
  responses.push({ headerRevision: history.last, events: [], progressNotify: true });
  return { name, request, responses };
}
