// Slow watchers (issue 6 item 5): 1,000 watchers on one member, 900 read by grpc-js clients over three
// connections and 100 on raw HTTP/2 streams that stop reading, while a writer puts 1 KiB values. The fast
// watchers must get every event in order and stay as close to the head as in a run without the slow ones; the
// memory held for the slow ones must stay under the hub's per-stream bound (they become unsynced victims); and a
// slow stream that starts reading again must catch up from history with every event, in order, exactly once.
import http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEtcdProtos } from '../src/store/proto/index.ts';
import { startTestMember, type TestMember } from '../src/store/server/test-server.ts';
import { RawWatchStream } from './fuzz/raw-watch.ts';

const KEYS = 100;
const FAST_CONNECTIONS = 3;
const FAST_STREAMS_PER_CONNECTION = 3;
const SLOW_SESSIONS = 2;
const SLOW_STREAMS_PER_SESSION = 5;
const SLOW_WATCHERS_PER_STREAM = 10;
const BASELINE_PUTS = 300;
/** Enough for every stuck stream to reach its bound (4 MiB / (10 watchers × ~1.1 KiB) ≈ 380 puts) well before the end. */
const LOADED_PUTS = 700;
const CHECKPOINT_EVERY = 100;
const WRITERS = 16;
const VALUE = Buffer.alloc(1024, 0x76);
const key = (i: number) => Buffer.from(`k/${String(i % KEYS).padStart(3, '0')}`);

interface WireWatchResponse {
  header: { revision: bigint };
  created: boolean;
  events: Array<{ kv: { mod_revision: bigint } }>;
}

/** One grpc-js Watch stream with a watcher per key: every put reaches exactly one of its watchers. */
class FastStream {
  readonly revisions: number[] = [];
  created = 0;
  private readonly call: grpc.ClientDuplexStream<unknown, WireWatchResponse>;

  constructor(client: grpc.Client & Record<string, (...a: unknown[]) => unknown>) {
    this.call = client.Watch() as grpc.ClientDuplexStream<unknown, WireWatchResponse>;
    this.call.on('data', (r: WireWatchResponse) => {
      if (r.created) this.created++;
      for (const e of r.events) this.revisions.push(Number(e.kv.mod_revision));
    });
    this.call.on('error', () => undefined);
    for (let i = 0; i < KEYS; i++) this.call.write({ create_request: { key: key(i) } });
  }

  get last(): number {
    return this.revisions.length === 0 ? 0 : this.revisions[this.revisions.length - 1];
  }

  close(): void {
    this.call.cancel();
  }
}

async function until(what: string, cond: () => boolean, boundMs = 60_000): Promise<void> {
  for (let waited = 0; !cond(); waited += 20) {
    if (waited > boundMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Revisions must be exactly first..last, each once, in order. */
function expectContiguous(label: string, revisions: number[], first: number, last: number): void {
  const want = Array.from({ length: last - first + 1 }, (_, i) => first + i);
  const gaps = want.filter((r, i) => revisions[i] !== r);
  expect({ label, count: revisions.length, firstMismatch: gaps[0] }).toEqual({ label, count: want.length, firstMismatch: undefined });
}

describe('watch: 1,000 watchers, 100 of them never read', () => {
  let m: TestMember;
  const fastClients: grpc.Client[] = [];
  const fast: FastStream[] = [];
  const sessions: http2.ClientHttp2Session[] = [];
  const slow: RawWatchStream[][] = [];

  beforeAll(async () => {
    m = await startTestMember();
  });
  afterAll(async () => {
    for (const s of fast) s.close();
    for (const c of fastClients) c.close();
    for (const streams of slow) for (const s of streams) s.close();
    for (const s of sessions) s.destroy();
    await m.close();
  });

  /** Puts `count` values with WRITERS in flight; returns the largest fast-stream lag seen at checkpoints. */
  async function write(count: number, onCheckpoint: () => void = () => undefined): Promise<{ maxLag: number; head: number }> {
    let next = 0;
    let head = 0;
    let maxLag = 0;
    const writer = async () => {
      while (next < count) {
        const i = next++;
        const r = await m.call<{ header: { revision: bigint } }>('KV', 'Put', { key: key(i), value: VALUE });
        head = Math.max(head, Number(r.header.revision));
        if (i % CHECKPOINT_EVERY === CHECKPOINT_EVERY - 1) {
          // In revisions, not time: how far behind the acknowledged head each fast stream is right now.
          for (const s of fast) maxLag = Math.max(maxLag, head - s.last);
          onCheckpoint();
        }
      }
    };
    await Promise.all(Array.from({ length: WRITERS }, writer));
    return { maxLag, head };
  }

  it('keeps fast watchers current and slow ones bounded, then catches the slow ones up', async () => {
    const hub = m.server.context.hub;
    const protos = loadEtcdProtos();
    for (let c = 0; c < FAST_CONNECTIONS; c++) {
      // A local subchannel pool: each client gets its own TCP connection.
      const client = new protos.services.Watch.Client(m.address, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
      fastClients.push(client);
      for (let s = 0; s < FAST_STREAMS_PER_CONNECTION; s++) fast.push(new FastStream(client as never));
    }
    const fastWatchers = fast.length * KEYS;
    await until('fast watchers created', () => fast.every((s) => s.created === KEYS));
    expect(hub.syncedCount).toBe(fastWatchers);
    const start = hub.revision;

    // Baseline: only fast watchers.
    const baseline = await write(BASELINE_PUTS);
    await until('fast watchers at the baseline head', () => fast.every((s) => s.last === baseline.head));

    // 100 watchers of the whole key space on streams that are never read.
    for (let i = 0; i < SLOW_SESSIONS; i++) {
      const session = http2.connect(`http://${m.address}`);
      session.on('error', () => undefined);
      sessions.push(session);
      const streams: RawWatchStream[] = [];
      for (let s = 0; s < SLOW_STREAMS_PER_SESSION; s++) {
        const w = new RawWatchStream(session);
        for (let j = 0; j < SLOW_WATCHERS_PER_STREAM; j++) w.create(Buffer.from('k/'), Buffer.from('k0'));
        streams.push(w);
      }
      slow.push(streams);
    }
    const slowWatchers = SLOW_SESSIONS * SLOW_STREAMS_PER_SESSION * SLOW_WATCHERS_PER_STREAM;
    expect(fastWatchers + slowWatchers).toBe(1000);
    await until('slow watchers registered', () => hub.syncedCount === fastWatchers + slowWatchers);
    const slowStart = hub.revision + 1;

    // Under load with the slow ones: sample what the hub holds for readers at every checkpoint.
    let maxStreamBytes = 0;
    const totals: number[] = [];
    /** Bytes held by the fullest streams, as many as there are stuck ones. */
    const stuckTotals: number[] = [];
    const slowStreams = SLOW_SESSIONS * SLOW_STREAMS_PER_SESSION;
    const memory = () => {
      const u = process.memoryUsage();
      return u.heapUsed + u.external;
    };
    const memoryBefore = memory();
    let memoryMax = memoryBefore;
    const loaded = await write(LOADED_PUTS, () => {
      const q = hub.queueStats();
      maxStreamBytes = Math.max(maxStreamBytes, q.perStreamBytes[0] ?? 0);
      totals.push(q.queuedBytes);
      stuckTotals.push(q.perStreamBytes.slice(0, slowStreams).reduce((a, b) => a + b, 0));
      memoryMax = Math.max(memoryMax, memory());
    });
    const maxTotalBytes = Math.max(...totals);
    await until('fast watchers at the loaded head', () => fast.every((s) => s.last === loaded.head));

    // (a) every event, in order, to every fast stream, through both phases.
    for (const [i, s] of fast.entries()) expectContiguous(`fast stream ${i}`, s.revisions, start + 1, loaded.head);
    // ...and no further behind the head than without slow watchers. The slack absorbs a loaded machine; a hub that
    // let stuck watchers hold up delivery would leave fast streams a whole phase (700 revisions) behind.
    const slack = 300;
    expect(loaded.maxLag, `lag with slow watchers ${loaded.maxLag} vs baseline ${baseline.maxLag}`).toBeLessThanOrEqual(baseline.maxLag + slack);

    // (b) the slow ones are victims, and what waits for them is bounded per stream.
    const { maxStreamQueuedBytes } = hub.queueStats();
    const oneBatch = WRITERS * 2 * 1100;
    expect(hub.unsyncedCount).toBe(slowWatchers);
    expect(maxStreamBytes).toBeLessThanOrEqual(maxStreamQueuedBytes + oneBatch);
    expect(maxTotalBytes).toBeLessThanOrEqual(hub.queueStats().streams * (maxStreamQueuedBytes + oneBatch));
    // Once every stuck stream is at its bound, more writes add nothing there: the last checkpoints hold the same
    // amount (unbounded queues would grow by 100 slow watchers × 1 KiB per put).
    const growth = stuckTotals[stuckTotals.length - 1] - stuckTotals[stuckTotals.length - 3];
    expect(growth).toBeLessThanOrEqual(slowStreams * oneBatch);

    // (c) one slow session starts reading: its watchers catch up from history, in order, without loss.
    const resumed = slow[0];
    for (const s of resumed) s.resume();
    await until('resumed slow watchers at the head', () =>
      resumed.every((s) => s.events.size === SLOW_WATCHERS_PER_STREAM && [...s.events.values()].every((revs) => revs[revs.length - 1] === loaded.head)),
    );
    for (const [i, s] of resumed.entries()) {
      expect(s.created.sort((a, b) => a - b)).toEqual(Array.from({ length: SLOW_WATCHERS_PER_STREAM }, (_, i) => i));
      for (const [id, revs] of s.events) expectContiguous(`slow stream ${i} watcher ${id}`, revs, slowStart, loaded.head);
    }
    await until('resumed watchers synced again', () => hub.unsyncedCount === slowWatchers - resumed.length * SLOW_WATCHERS_PER_STREAM);

    // The rest go away with their connections, and nothing stays queued for them.
    for (const streams of slow.slice(1)) for (const s of streams) s.close();
    await until('closed slow streams released', () => hub.unsyncedCount === 0);
    console.info(
      `slow watchers: fast lag at checkpoints ${baseline.maxLag} (baseline) vs ${loaded.maxLag} (with 100 stuck watchers); ` +
        `max queued per stream ${maxStreamBytes} B (bound ${maxStreamQueuedBytes}), max queued in all ${maxTotalBytes} B, growth over the last two checkpoints ${growth} B; ` +
        `heap+external growth ${Math.round((memoryMax - memoryBefore) / 1048576)} MiB (unbounded would queue ${Math.round((slowWatchers * LOADED_PUTS * VALUE.length) / 1048576)} MiB)`,
    );
  });
});
