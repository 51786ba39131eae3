// One WatchStream per gRPC Watch stream: requests in (create, cancel, progress), responses out in order through
// read() / readable() or the async iterator. The gRPC layer only converts messages and stops pulling while the
// transport is full; a watcher whose responses pile up beyond its bound is handed to the hub's catch-up instead
// of growing this queue (see hub.ts).
//
// etcd 3.4 behaviour kept here: created responses carry the revision at creation; refused creates answer
// watch_id −1 with created and canceled set and etcd's cancel_reason; auto IDs are the lowest free from 0;
// cancel of an unknown ID answers nothing; a progress request is answered with watch_id −1 once every watcher
// of the stream is synced (3.4.25+ semantics); per-watcher progress notifications carry the watcher's ID and
// are skipped for watchers that were sent events since the last tick or are not synced.

import { assert } from '../../raft/assert.ts';
import { toKeyRange, type Event } from '../mvcc/index.ts';
import { eventSize, fragmentResponse } from './fragment.ts';
import type { WatchHub } from './hub.ts';
import {
  ERR_EMPTY_WATCHER_RANGE,
  ERR_WATCH_ID_OUT_OF_RANGE,
  ERR_WATCHER_DUPLICATE_ID,
  WatchFilter,
  type WatchCreateRequest,
  type WatchRequest,
  type WatchResponse,
} from './types.ts';
import { Watcher } from './watcher.ts';

export interface StreamLimits {
  maxQueuedEvents: number;
  maxQueuedBytes: number;
  /** Event bytes all watchers of one stream may have waiting (etcd bounds a stream's channel the same way). */
  maxStreamQueuedBytes: number;
  maxResponseBytes: number;
}

interface Queued {
  resp: WatchResponse;
  watcher: Watcher | undefined;
  events: number;
  bytes: number;
}

const COMPACT_TRIM = 1024;

function response(revision: number, watchId: number, fields: Partial<WatchResponse> = {}): WatchResponse {
  return {
    header: { revision },
    watchId,
    created: false,
    canceled: false,
    compactRevision: 0,
    cancelReason: '',
    fragment: false,
    events: [],
    ...fields,
  };
}

export class WatchStream {
  private readonly watchers = new Map<number, Watcher>();
  private nextId = 0;
  private queue: Queued[] = [];
  private head = 0;
  private waiters: Array<() => void> = [];
  private deferredProgress = false;
  private isClosed = false;
  /** Event bytes of all watchers waiting in the queue. */
  private queuedEventBytes = 0;

  constructor(
    private readonly hub: WatchHub,
    private readonly limits: StreamLimits,
  ) {}

  get closed(): boolean {
    return this.isClosed;
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  /** Responses waiting to be read. */
  get queuedResponses(): number {
    return this.queue.length - this.head;
  }

  /** Approximate wire bytes of the events waiting to be read. */
  get queuedBytes(): number {
    return this.queuedEventBytes;
  }

  // ---- requests --------------------------------------------------------------------------------------------------

  handle(req: WatchRequest): void {
    if ('createRequest' in req) this.create(req.createRequest);
    else if ('cancelRequest' in req) this.cancel(req.cancelRequest.watchId);
    else if ('progressRequest' in req) this.requestProgress();
  }

  create(req: WatchCreateRequest): void {
    if (this.isClosed) return;
    const rev = this.hub.revision;
    const key = req.key.length === 0 ? Buffer.from([0]) : Buffer.from(req.key);
    const range = toKeyRange(key, req.rangeEnd === undefined ? undefined : Buffer.from(req.rangeEnd));
    if (range.end && Buffer.compare(range.key, range.end) >= 0) return this.refuse(rev, ERR_EMPTY_WATCHER_RANGE);
    let id = req.watchId ?? 0;
    if (!Number.isSafeInteger(id)) return this.refuse(rev, ERR_WATCH_ID_OUT_OF_RANGE);
    if (id === 0) {
      while (this.watchers.has(this.nextId)) this.nextId++;
      id = this.nextId++;
    } else if (this.watchers.has(id)) {
      return this.refuse(rev, ERR_WATCHER_DUPLICATE_ID);
    }
    const filters = req.filters ?? [];
    const w = new Watcher(id, this, range, {
      noPut: filters.includes(WatchFilter.NoPut),
      noDelete: filters.includes(WatchFilter.NoDelete),
      prevKv: req.prevKv ?? false,
      progressNotify: req.progressNotify ?? false,
      fragment: req.fragment ?? false,
    });
    this.watchers.set(id, w);
    // The created response goes first: every event of the watcher is queued after it.
    this.push(response(rev, id, { created: true }), undefined, 0, 0);
    this.hub.register(w, req.startRevision ?? 0);
  }

  cancel(watchId: number): void {
    const w = this.watchers.get(watchId);
    if (w === undefined || this.isClosed) return;
    this.hub.unregister(w);
    this.watchers.delete(watchId);
    this.dropQueued(w);
    this.push(response(this.hub.revision, watchId, { canceled: true }), undefined, 0, 0);
    this.maybeSendDeferredProgress();
  }

  /** WatchProgressRequest: one response with watch_id −1 at the hub's revision, once all watchers are synced. */
  requestProgress(): void {
    if (this.isClosed) return;
    this.deferredProgress = true;
    this.maybeSendDeferredProgress();
  }

  /** The progress-notify interval elapsed (the caller's timer, etcd: 10 min plus jitter). */
  progressTick(): void {
    if (this.isClosed) return;
    for (const w of this.watchers.values()) {
      if (!w.options.progressNotify) continue;
      if (w.progressDue && w.state === 'synced' && w.queuedEvents === 0) {
        this.push(response(this.hub.revision, w.id), undefined, 0, 0);
      }
      w.progressDue = true;
    }
  }

  /** The client went away: every watcher ends, nothing more is sent. */
  close(): void {
    if (this.isClosed) return;
    for (const w of this.watchers.values()) this.hub.unregister(w);
    this.watchers.clear();
    this.queue = [];
    this.head = 0;
    this.queuedEventBytes = 0;
    this.isClosed = true;
    this.hub.streamClosed(this);
    this.wake();
  }

  // ---- responses -------------------------------------------------------------------------------------------------

  /** The next response, or undefined when none is waiting. */
  read(): WatchResponse | undefined {
    if (this.head >= this.queue.length) return undefined;
    const q = this.queue[this.head++];
    if (this.head >= COMPACT_TRIM && this.head * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    const w = q.watcher;
    this.queuedEventBytes -= q.bytes;
    if (w !== undefined) {
      w.queuedEvents -= q.events;
      w.queuedBytes -= q.bytes;
      assert(w.queuedEvents >= 0 && w.queuedBytes >= 0, 'watch queue accounting went negative');
      // The stream's room is shared: any unsynced watcher of it may be able to take a chunk now.
      if (q.bytes > 0 && this.queuedEventBytes <= this.limits.maxStreamQueuedBytes / 2) this.hub.kick();
    }
    return q.resp;
  }

  /** Resolves when a response is waiting or the stream is closed. */
  readable(): Promise<void> {
    if (this.head < this.queue.length || this.isClosed) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Responses in order until close; pulling slowly is the backpressure. */
  async *[Symbol.asyncIterator](): AsyncGenerator<WatchResponse> {
    for (;;) {
      const r = this.read();
      if (r !== undefined) {
        yield r;
        continue;
      }
      if (this.isClosed) return;
      await this.readable();
    }
  }

  // ---- called by the hub -----------------------------------------------------------------------------------------

  /** Queues a synced delivery unless the watcher is over its bound (then the hub makes it a victim). */
  tryEnqueueEvents(w: Watcher, events: Event[], revision: number): boolean {
    if (w.queuedEvents > 0 || this.queuedEventBytes > 0) {
      // Something of this stream is still unread: the batch must fit under both bounds. (An empty queue always
      // takes one batch, so a single large revision is never refused forever.)
      if (w.queuedEvents + events.length > this.limits.maxQueuedEvents) return false;
      let bytes = 0;
      for (const e of events) bytes += eventSize(e);
      if (w.queuedBytes + bytes > this.limits.maxQueuedBytes) return false;
      if (this.queuedEventBytes + bytes > this.limits.maxStreamQueuedBytes) return false;
    }
    this.enqueueEvents(w, events, revision);
    return true;
  }

  /** Queues events for the watcher (one response, or fragments when the watcher asked for them). */
  enqueueEvents(w: Watcher, events: Event[], revision: number): void {
    assert(this.watchers.get(w.id) === w, 'events for a watcher not on this stream');
    w.progressDue = false;
    const whole = response(revision, w.id, { events });
    const parts = w.options.fragment ? fragmentResponse(whole, this.limits.maxResponseBytes) : [whole];
    for (const part of parts) {
      let bytes = 0;
      for (const e of part.events) bytes += eventSize(e);
      w.queuedEvents += part.events.length;
      w.queuedBytes += bytes;
      this.push(part, w, part.events.length, bytes);
    }
  }

  /** Whether an unsynced watcher (and its stream) has drained enough to take a catch-up chunk. */
  hasRoomForCatchUp(w: Watcher): boolean {
    return (
      w.queuedEvents <= this.limits.maxQueuedEvents >> 1 &&
      w.queuedBytes <= this.limits.maxQueuedBytes / 2 &&
      this.queuedEventBytes <= this.limits.maxStreamQueuedBytes / 2
    );
  }

  /** History the watcher needs is compacted: etcd answers compact_revision, canceled, header revision 0. */
  sendCompacted(w: Watcher, compactRevision: number): void {
    this.push(response(0, w.id, { compactRevision, canceled: true }), undefined, 0, 0);
    this.maybeSendDeferredProgress();
  }

  watcherSynced(): void {
    this.maybeSendDeferredProgress();
  }

  // ---- internals ---------------------------------------------------------------------------------------------------

  private refuse(revision: number, reason: string): void {
    this.push(response(revision, -1, { created: true, canceled: true, cancelReason: reason }), undefined, 0, 0);
  }

  private maybeSendDeferredProgress(): void {
    if (!this.deferredProgress) return;
    for (const w of this.watchers.values()) if (w.state === 'unsynced') return;
    this.deferredProgress = false;
    this.push(response(this.hub.revision, -1), undefined, 0, 0);
  }

  private dropQueued(w: Watcher): void {
    const kept = this.queue.slice(this.head).filter((q) => q.watcher !== w);
    this.queue = kept;
    this.queuedEventBytes -= w.queuedBytes;
    this.head = 0;
    w.queuedEvents = 0;
    w.queuedBytes = 0;
  }

  private push(resp: WatchResponse, watcher: Watcher | undefined, events: number, bytes: number): void {
    if (this.isClosed) return;
    this.queue.push({ resp, watcher, events, bytes });
    this.queuedEventBytes += bytes;
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
