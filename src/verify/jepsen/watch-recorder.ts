// Watchers on the workload's key prefix. Each stream is recorded as the validators read it (RecordedWatch); when a
// stream breaks or goes silent (its member killed, paused or cut off) the watcher resumes on the next member from
// the revision after the last event it got, as a new recorded watch, so the validators also compare the resumed
// streams with each other. A progress request every few seconds keeps healthy streams talking and exercises
// bookmarks.
import type { ClientDuplexStream } from '@grpc/grpc-js';
import type { RecordedWatch, RecordedWatchResponse, WatchEvent } from '../index.ts';
import type { EtcdRpc } from './etcd-rpc.ts';
import { bytes, text } from './kv-wire.ts';

const EVENT_DELETE = 1;
const PROGRESS_REQUEST_INTERVAL_MS = 2_000;

interface WireKv {
  key: Buffer;
  value: Buffer;
  create_revision: bigint;
  mod_revision: bigint;
  version: bigint;
  lease: bigint;
}
interface WireResponse {
  header: { revision: bigint } | null;
  created: boolean;
  canceled: boolean;
  compact_revision: bigint;
  fragment: boolean;
  events: Array<{ type: number; kv: WireKv | null; prev_kv: WireKv | null }>;
}

export interface WatcherOptions {
  index: number;
  key: string;
  rangeEnd: string;
  prevKv: boolean;
  endpoint: (slot: number) => EtcdRpc;
  slots: number;
  /** A stream with no response for this long is abandoned and resumed elsewhere. */
  silenceMs: number;
}

interface Stream {
  call: ClientDuplexStream<unknown, Record<string, unknown>>;
  record: { name: string; request: RecordedWatch['request']; responses: RecordedWatchResponse[] };
  lastResponseAt: number;
}

export class PrefixWatcher {
  readonly watches: RecordedWatch[] = [];
  /** Revision of the next event this watcher needs (0: from now). */
  private next = 0;
  private slot: number;
  private stream: Stream | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private lastProgressAt = 0;
  /** Highest header revision seen on the current stream. */
  private seenRevision = 0;
  resumes = 0;

  constructor(private readonly o: WatcherOptions) {
    this.slot = o.index % o.slots;
  }

  start(): void {
    this.open();
    this.timer = setInterval(() => this.tick(), 500);
  }

  /** Highest header revision this watcher has been told of on its live stream. */
  get revision(): number {
    return this.seenRevision;
  }

  /** Asks the live stream for a progress notification now. */
  requestProgress(): void {
    this.stream?.call.write({ progress_request: {} });
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.stream?.call.cancel();
    this.stream = undefined;
  }

  private open(): void {
    if (this.stopped) return;
    const request = { key: this.o.key, rangeEnd: this.o.rangeEnd, startRevision: this.next, prevKv: this.o.prevKv };
    const name = `watcher ${this.o.index} #${this.watches.length} on slot ${this.slot} from ${this.next === 0 ? 'now' : this.next}`;
    const record = { name, request, responses: [] as RecordedWatchResponse[] };
    this.watches.push(record);
    let call: Stream['call'];
    try {
      call = this.o.endpoint(this.slot).watch();
    } catch {
      return; // closed at shutdown
    }
    const stream: Stream = { call, record, lastResponseAt: Date.now() };
    this.stream = stream;
    this.seenRevision = 0;
    call.on('data', (r: Record<string, unknown>) => this.onResponse(stream, r as unknown as WireResponse));
    call.on('error', () => this.abandon(stream));
    call.on('end', () => this.abandon(stream));
    call.write({
      create_request: { key: bytes(this.o.key), range_end: bytes(this.o.rangeEnd), start_revision: this.next, prev_kv: this.o.prevKv },
    });
  }

  private onResponse(stream: Stream, r: WireResponse): void {
    if (stream !== this.stream) return;
    stream.lastResponseAt = Date.now();
    const headerRevision = r.header === null ? 0 : Number(r.header.revision);
    const events: WatchEvent[] = r.events.map((e) => ({
      type: e.type === EVENT_DELETE ? 'delete' : 'put',
      kv: e.kv === null ? { key: '', modRevision: 0 } : wireKv(e.kv, e.type === EVENT_DELETE),
      ...(e.prev_kv === null ? {} : { prevKv: snapshotOf(e.prev_kv) }),
    }));
    stream.record.responses.push({
      headerRevision,
      events,
      ...(r.fragment ? { fragment: true } : {}),
      ...(r.created ? { created: true } : {}),
      ...(r.canceled ? { canceled: true } : {}),
      ...(r.compact_revision > 0n ? { compactRevision: Number(r.compact_revision) } : {}),
    });
    if (r.created && this.next === 0) this.next = headerRevision + 1;
    const last = events.at(-1);
    if (last !== undefined && !r.fragment) this.next = last.kv.modRevision + 1;
    this.seenRevision = Math.max(this.seenRevision, headerRevision);
    if (r.canceled) this.abandon(stream);
  }

  private tick(): void {
    const s = this.stream;
    if (s === undefined) {
      this.open();
      return;
    }
    const now = Date.now();
    if (now - s.lastResponseAt > this.o.silenceMs) {
      this.abandon(s);
      return;
    }
    if (now - this.lastProgressAt >= PROGRESS_REQUEST_INTERVAL_MS) {
      this.lastProgressAt = now;
      s.call.write({ progress_request: {} });
    }
  }

  /** The stream ended, failed or went silent: resume on the next member (on the next tick). */
  private abandon(stream: Stream): void {
    if (stream !== this.stream) return;
    this.stream = undefined;
    stream.call.removeAllListeners('data');
    stream.call.on('error', () => undefined);
    stream.call.cancel();
    if (this.stopped) return;
    this.resumes++;
    this.slot = (this.slot + 1) % this.o.slots;
  }
}

function wireKv(kv: WireKv, deleted: boolean): WatchEvent['kv'] {
  if (deleted) return { key: text(kv.key), modRevision: Number(kv.mod_revision) };
  return {
    key: text(kv.key),
    modRevision: Number(kv.mod_revision),
    value: text(kv.value),
    createRevision: Number(kv.create_revision),
    version: Number(kv.version),
    lease: Number(kv.lease),
  };
}

function snapshotOf(kv: WireKv): NonNullable<WatchEvent['prevKv']> {
  return {
    key: text(kv.key),
    value: text(kv.value),
    createRevision: Number(kv.create_revision),
    modRevision: Number(kv.mod_revision),
    version: Number(kv.version),
    lease: Number(kv.lease),
  };
}
