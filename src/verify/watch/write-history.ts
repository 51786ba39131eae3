// The write history turned into what the validators ask of it: the events of a revision, the events a watch
// should see, and a key's state just before a revision (for prev_kv).

import type { HistoryEvent, KeyValueSnapshot, RecordedWatch, RecordedWatchResponse, RevisionRecord, WatchCreateParams } from './types.ts';

/** etcd's range_end conventions on strings. */
export function inWatchedRange(params: WatchCreateParams, key: string): boolean {
  const end = params.rangeEnd;
  if (end === undefined || end === '') return key === params.key;
  if (key < params.key) return false;
  return end === '\0' || key < end;
}

export function passesFilters(params: WatchCreateParams, type: 'put' | 'delete'): boolean {
  const filters = params.filters ?? [];
  return !(type === 'put' ? filters.includes('noPut') : filters.includes('noDelete'));
}

export function isProgressNotify(r: RecordedWatchResponse): boolean {
  return r.progressNotify ?? (r.events.length === 0 && !r.created && !r.canceled && !r.fragment);
}

/** The first revision the watch asked for; undefined when it cannot be known (start 0, no response). */
export function effectiveStart(watch: RecordedWatch): number | undefined {
  const start = watch.request.startRevision ?? 0;
  if (start > 0) return start;
  const first = watch.responses[0];
  return first === undefined ? undefined : first.headerRevision + 1;
}

export interface ExpectedEvent {
  readonly revision: number;
  readonly event: HistoryEvent;
}

type KeyTimeline = Array<{ revision: number; kv: KeyValueSnapshot | undefined }>;

export class WriteHistory {
  readonly first: number;
  readonly last: number;
  private readonly byRevision = new Map<number, readonly HistoryEvent[]>();
  private readonly timelines = new Map<string, KeyTimeline>();

  constructor(records: readonly RevisionRecord[]) {
    const sorted = [...records].sort((a, b) => a.revision - b.revision);
    this.first = sorted[0]?.revision ?? 2;
    this.last = sorted.at(-1)?.revision ?? 1;
    sorted.forEach((r, i) => {
      if (r.revision !== this.first + i) throw new Error(`write history: revision ${this.first + i} is missing (next is ${r.revision})`);
      this.byRevision.set(r.revision, r.events);
      for (const e of r.events) this.record(r.revision, e);
    });
  }

  eventsAt(revision: number): readonly HistoryEvent[] {
    return this.byRevision.get(revision) ?? [];
  }

  has(revision: number): boolean {
    return this.byRevision.has(revision);
  }

  /** What the watch should receive from `from` through `to`, within the history. */
  expected(params: WatchCreateParams, from: number, to: number): ExpectedEvent[] {
    const out: ExpectedEvent[] = [];
    for (let rev = Math.max(from, this.first); rev <= Math.min(to, this.last); rev++) {
      for (const event of this.eventsAt(rev)) {
        if (inWatchedRange(params, event.key) && passesFilters(params, event.type)) out.push({ revision: rev, event });
      }
    }
    return out;
  }

  /** The key at revision − 1: a snapshot, undefined when missing, 'unknown' when before the history. */
  stateBefore(key: string, revision: number): KeyValueSnapshot | undefined | 'unknown' {
    const timeline = this.timelines.get(key) ?? [];
    let lo = 0;
    let hi = timeline.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (timeline[mid].revision < revision) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) return this.first > 2 ? 'unknown' : undefined;
    return timeline[lo - 1].kv;
  }

  private record(revision: number, e: HistoryEvent): void {
    let timeline = this.timelines.get(e.key);
    if (timeline === undefined) {
      timeline = [];
      this.timelines.set(e.key, timeline);
    }
    if (e.type === 'delete') {
      timeline.push({ revision, kv: undefined });
      return;
    }
    const previous = timeline.at(-1)?.kv;
    const kv: KeyValueSnapshot = {
      key: e.key,
      value: e.value ?? '',
      createRevision: e.createRevision ?? previous?.createRevision ?? revision,
      modRevision: revision,
      version: e.version ?? (previous ? previous.version + 1 : 1),
      lease: e.lease ?? 0,
    };
    timeline.push({ revision, kv });
  }
}
