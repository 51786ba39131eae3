// The watch hub: every watcher of every stream, in two groups.
//
// Synced watchers have seen everything up to the hub's revision; each committed batch reaches them in one
// pass: for every event, an index lookup by key (hash map for single keys, interval tree for ranges) finds the
// watchers, and each watcher gets one response for its share of the batch.
//
// Unsynced watchers still need history: new watchers with a past start revision, and victims, synced watchers
// whose stream did not drain (their queue was over its bound when a batch came). Instead of queueing more, a
// victim drops out of the synced group, keeping nextRev = the first revision it has not been given. A catch-up
// loop reads history from the store for groups of ready unsynced watchers (those whose queues have drained to
// half) in bounded chunks, and moves a watcher back to the synced group once it has caught up with the hub's
// revision. No event is lost or repeated: a watcher only ever gets events at or after nextRev, and nextRev
// moves past exactly what it was given. History compacted past nextRev cancels the watcher with
// compact_revision set, as etcd does.
//
// Deterministic: no timers; the catch-up loop runs on promise turns after the store's reads, and progress
// notification is driven by the caller (WatchStream.progressTick).

import { assert } from '../../raft/assert.ts';
import { EventType, isMvccError, MvccErrorCode, type CommittedBatch, type Event, type KeyValue, type MvccLogger } from '../mvcc/index.ts';
import { DEFAULT_MAX_RESPONSE_BYTES } from './fragment.ts';
import { WatchStream, type StreamLimits } from './stream.ts';
import type { Watcher } from './watcher.ts';
import type { WatchSource } from './types.ts';
import { WatcherIndex } from './watcher-index.ts';

export interface WatchHubOptions {
  /** Events a watcher may have waiting in its stream before it becomes a victim (one batch always fits). */
  maxQueuedEvents?: number;
  /** Approximate wire bytes a watcher may have waiting before it becomes a victim. */
  maxQueuedBytes?: number;
  /**
   * Approximate wire bytes all watchers of one stream may have waiting (default 4 MiB): without it a stream
   * that is never read holds up to maxQueuedBytes per watcher. etcd bounds a stream the same way (128 responses).
   */
  maxStreamQueuedBytes?: number;
  /** Events read from history per catch-up round (whole revisions, so a round may hold one revision more). */
  catchUpChunkEvents?: number;
  /** Unsynced watchers served by one history read (etcd: 512). */
  maxWatchersPerSync?: number;
  /** Size at which responses of watchers that asked for fragment are split (etcd: request limit + 512 KiB). */
  maxResponseBytes?: number;
  logger?: MvccLogger;
}

const DEFAULT_MAX_STREAM_QUEUED_BYTES = 4 * 1024 * 1024;

const noopLogger: MvccLogger = { info() {}, warn() {}, error() {} };

export class WatchHub {
  private readonly synced = new WatcherIndex<Watcher>();
  private readonly syncedSet = new Set<Watcher>();
  /** Insertion order is the catch-up order; a served watcher goes to the back. */
  private readonly unsynced = new Set<Watcher>();
  private readonly streams = new Set<WatchStream>();
  private rev: number;
  private pumping: Promise<void> | undefined;
  private kicked = false;
  private closed = false;
  private readonly unsubscribe: () => void;
  private readonly limits: StreamLimits;
  private readonly chunkEvents: number;
  private readonly maxWatchersPerSync: number;
  private readonly log: MvccLogger;

  constructor(
    private readonly source: WatchSource,
    options: WatchHubOptions = {},
  ) {
    const maxQueuedEvents = options.maxQueuedEvents ?? 1024;
    const maxQueuedBytes = options.maxQueuedBytes ?? 8 * 1024 * 1024;
    this.limits = {
      maxQueuedEvents,
      maxQueuedBytes,
      maxStreamQueuedBytes: options.maxStreamQueuedBytes ?? Math.min(maxQueuedBytes, DEFAULT_MAX_STREAM_QUEUED_BYTES),
      maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    };
    this.chunkEvents = options.catchUpChunkEvents ?? Math.max(1, maxQueuedEvents >> 1);
    this.maxWatchersPerSync = options.maxWatchersPerSync ?? 512;
    this.log = options.logger ?? noopLogger;
    assert(maxQueuedEvents >= 1 && this.chunkEvents >= 1, 'watch hub bounds must be positive');
    this.rev = source.publishedRevision;
    this.unsubscribe = source.onCommitted((batch) => this.onCommitted(batch));
  }

  /** The revision every synced watcher has seen (the last committed batch). */
  get revision(): number {
    return this.rev;
  }

  get syncedCount(): number {
    return this.syncedSet.size;
  }

  get unsyncedCount(): number {
    return this.unsynced.size;
  }

  /** One per gRPC Watch stream. */
  newStream(): WatchStream {
    assert(!this.closed, 'watch hub is closed');
    const stream = new WatchStream(this, this.limits);
    this.streams.add(stream);
    return stream;
  }

  /** Memory held for readers, for tests and metrics: what waits in stream queues, and the bound on it. */
  queueStats(): { streams: number; queuedBytes: number; perStreamBytes: number[]; maxStreamQueuedBytes: number } {
    const perStreamBytes = [...this.streams].map((s) => s.queuedBytes).sort((a, b) => b - a);
    const queuedBytes = perStreamBytes.reduce((a, b) => a + b, 0);
    return { streams: this.streams.size, queuedBytes, perStreamBytes, maxStreamQueuedBytes: this.limits.maxStreamQueuedBytes };
  }

  /** Resolves once the catch-up loop has nothing left it can do now (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.pumping !== undefined) await this.pumping;
  }

  /** After the store was replaced from a snapshot: every synced watcher catches up from history again. */
  resync(): void {
    this.rev = this.source.publishedRevision;
    for (const w of [...this.syncedSet]) {
      this.removeSynced(w);
      w.state = 'unsynced';
      this.unsynced.add(w);
    }
    this.kick();
  }

  /** Stops the hub and ends every open stream (their gRPC calls end: the server is stopping). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    for (const s of [...this.streams]) s.close();
  }

  // ---- called by streams ---------------------------------------------------------------------------------------

  /** Adds a watcher starting at startRev (0 = the next revision). */
  register(w: Watcher, startRev: number): void {
    if (startRev === 0 || startRev > this.rev) {
      w.nextRev = Math.max(this.rev + 1, startRev);
      this.addSynced(w);
    } else {
      w.nextRev = Math.max(1, startRev);
      w.state = 'unsynced';
      this.unsynced.add(w);
      this.kick();
    }
  }

  streamClosed(stream: WatchStream): void {
    this.streams.delete(stream);
  }

  unregister(w: Watcher): void {
    if (w.state === 'synced') this.removeSynced(w);
    else if (w.state === 'unsynced') this.unsynced.delete(w);
    w.state = 'canceled';
  }

  /** Something may have become possible for the catch-up loop (a new unsynced watcher, a drained queue). */
  kick(): void {
    if (this.closed || this.unsynced.size === 0) return;
    if (this.pumping !== undefined) {
      this.kicked = true;
      return;
    }
    // Started on a later turn: never inside a store listener or a stream call.
    this.pumping = Promise.resolve().then(() => this.pump());
  }

  // ---- synced delivery -------------------------------------------------------------------------------------------

  private onCommitted(batch: CommittedBatch): void {
    this.rev = Math.max(this.rev, batch.revision);
    if (batch.events.length === 0 || this.syncedSet.size === 0) return;
    const shares = new Map<Watcher, Event[]>();
    for (const e of batch.events) {
      this.synced.forEachMatch(e.kv.key, (w) => {
        if (e.kv.modRevision < w.nextRev) return;
        const share = shares.get(w);
        if (share === undefined) shares.set(w, [e]);
        else share.push(e);
      });
    }
    const prevOf = prevReader(this.source);
    for (const [w, share] of shares) {
      const events = filterEvents(w, share, prevOf);
      if (events.length > 0 && !w.stream.tryEnqueueEvents(w, events, batch.revision)) {
        this.makeVictim(w, batch.previousRevision + 1);
        continue;
      }
      w.nextRev = batch.revision + 1;
    }
  }

  private makeVictim(w: Watcher, fromRev: number): void {
    this.removeSynced(w);
    w.state = 'unsynced';
    w.nextRev = Math.max(w.nextRev, fromRev);
    this.unsynced.add(w);
    this.kick();
  }

  private addSynced(w: Watcher): void {
    w.state = 'synced';
    this.synced.add(w.range, w);
    this.syncedSet.add(w);
  }

  private removeSynced(w: Watcher): void {
    this.synced.delete(w.range, w);
    this.syncedSet.delete(w);
  }

  private toSynced(w: Watcher): void {
    this.unsynced.delete(w);
    this.addSynced(w);
    w.stream.watcherSynced();
  }

  // ---- catch-up ----------------------------------------------------------------------------------------------------

  private async pump(): Promise<void> {
    try {
      for (;;) {
        this.kicked = false;
        const progressed = await this.syncRound();
        // Exit and clearing `pumping` happen in the same turn, so a kick is either seen here or starts anew.
        if (!progressed && !this.kicked) return;
      }
    } catch (err) {
      this.log.error({ err }, 'watch catch-up failed');
    } finally {
      this.pumping = undefined;
    }
  }

  /** One history read for a group of ready unsynced watchers. Returns whether anything changed. */
  private async syncRound(): Promise<boolean> {
    if (this.closed) return false;
    const compactRev = this.source.compactRevision;
    const group: Watcher[] = [];
    let changed = false;
    for (const w of this.unsynced) {
      if (group.length >= this.maxWatchersPerSync) break;
      if (!w.stream.hasRoomForCatchUp(w)) continue;
      if (w.nextRev < compactRev) {
        this.unsynced.delete(w);
        w.state = 'compacted';
        w.stream.sendCompacted(w, compactRev);
        changed = true;
      } else if (w.nextRev > this.rev) {
        this.toSynced(w);
        changed = true;
      } else {
        group.push(w);
      }
    }
    if (group.length === 0) return changed;

    const minRev = Math.min(...group.map((w) => w.nextRev));
    let result: { events: Event[]; nextRevision: number };
    try {
      result = await this.source.eventsSince(minRev, boundingRange(group), this.chunkEvents);
    } catch (err) {
      if (isMvccError(err, MvccErrorCode.Compacted)) return true; // compacted meanwhile: the next round cancels
      throw err;
    }
    if (this.closed) return false;

    const live = group.filter((w) => w.state === 'unsynced'); // some may have been canceled meanwhile
    const index = new WatcherIndex<Watcher>();
    for (const w of live) index.add(w.range, w);
    const shares = new Map<Watcher, Event[]>();
    for (const e of result.events) {
      index.forEachMatch(e.kv.key, (w) => {
        if (e.kv.modRevision < w.nextRev) return;
        const share = shares.get(w);
        if (share === undefined) shares.set(w, [e]);
        else share.push(e);
      });
    }
    const prevOf = prevReader(this.source);
    for (const w of live) {
      if (result.nextRevision <= w.nextRev) continue; // the chunk ended before this watcher's start
      const events = filterEvents(w, shares.get(w) ?? [], prevOf);
      if (events.length > 0) w.stream.enqueueEvents(w, events, result.nextRevision - 1);
      w.nextRev = result.nextRevision;
      if (w.nextRev > this.rev) {
        this.toSynced(w);
      } else {
        this.unsynced.delete(w); // to the back: fairness among many unsynced watchers
        this.unsynced.add(w);
      }
    }
    return true;
  }
}

/**
 * An event's prevKv with its value (WatchSource.readBack), read back at most once however many watchers ask for
 * it: one per delivery pass.
 */
function prevReader(source: WatchSource): (prevKv: KeyValue) => KeyValue | undefined {
  const read = new Map<KeyValue, KeyValue | undefined>();
  return (prevKv) => {
    if (read.has(prevKv)) return read.get(prevKv);
    const prev = source.readBack(prevKv);
    read.set(prevKv, prev);
    return prev;
  };
}

/** The watcher's view of events: its filters applied, prev_kv only when asked for (and read back if need be). */
function filterEvents(w: Watcher, events: Event[], prevOf: ReturnType<typeof prevReader>): Event[] {
  const { noPut, noDelete, prevKv } = w.options;
  const out: Event[] = [];
  for (const e of events) {
    if (e.type === EventType.Put ? noPut : noDelete) continue;
    if (e.prevKv === undefined) out.push(e);
    else if (!prevKv) out.push({ type: e.type, kv: e.kv });
    else {
      const prev = prevOf(e.prevKv);
      out.push(prev === e.prevKv ? e : prev === undefined ? { type: e.type, kv: e.kv } : { type: e.type, kv: e.kv, prevKv: prev });
    }
  }
  return out;
}

/** The smallest etcd-style range covering every watcher of the group. */
function boundingRange(group: Watcher[]): { key: Buffer; rangeEnd?: Buffer } {
  let start = group[0].range.key;
  let end: Buffer | null = null;
  let unbounded = false;
  for (const w of group) {
    if (Buffer.compare(w.range.key, start) < 0) start = w.range.key;
    const e = w.range.end === undefined ? Buffer.concat([w.range.key, Buffer.from([0])]) : w.range.end;
    if (e === null) unbounded = true;
    else if (end === null || Buffer.compare(e, end) > 0) end = e;
  }
  return { key: start, rangeEnd: unbounded || end === null ? Buffer.from([0]) : end };
}
