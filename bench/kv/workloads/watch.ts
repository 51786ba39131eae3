// Watch fan-out: W watchers (one Watch stream each, spread over the connections) on one prefix, and a few writers
// putting under it in a closed loop. Reported: events delivered per second over all watchers, and delivery
// latency = from the put leaving the client to the event arriving at a watcher (commit + fan-out). Each value
// carries its send time (performance.now() of this process) in its first 8 bytes.
import { performance } from 'node:perf_hooks';
import {
  cdfPoints,
  grpcFrame,
  GRPC_STATUS_OK,
  LatencyRecorder,
  ProtoWriter,
  runClosedLoop,
  summarize,
  type GrpcBidiStream,
} from '../../lib/index.ts';
import { KV_PUT, paddedKey, prefixRangeEnd, readWatchResponse, WATCH_WATCH, watchCreateFrame } from '../etcd-requests.ts';
import { CLIENT_NAMES, type BenchSettings, type Workload, type WorkloadContext, type WorkloadResult } from './types.ts';

const PREFIX = Buffer.from('/bench/watch/');
const CREATE_TIMEOUT_MS = 30_000;
const DRAIN_QUIET_MS = 300;
const DRAIN_MAX_MS = 5_000;

export function watchWorkload(settings: BenchSettings): Workload {
  const workload: Workload = {
    id: `watch fan-out w=${settings.watchers}`,
    group: 'watch',
    clients: settings.watchWriters,
    run: (ctx) => runWatch(ctx, workload),
  };
  return workload;
}

async function runWatch(ctx: WorkloadContext, workload: Workload): Promise<WorkloadResult> {
  const { settings, client, streams: streamClient, progress, target } = ctx;
  const latencies = new LatencyRecorder();
  let window = { fromMs: Number.POSITIVE_INFINITY, toMs: Number.POSITIVE_INFINITY };
  let lastEventAtMs = 0;
  let streamErrors = 0;
  const streams: GrpcBidiStream[] = [];
  let createdCount = 0;
  let onCreated: () => void = () => {};
  const allCreated = new Promise<void>((resolve, reject) => {
    onCreated = () => {
      if (++createdCount === settings.watchers) resolve();
    };
    setTimeout(() => reject(new Error(`watch: ${createdCount}/${settings.watchers} watchers created in ${CREATE_TIMEOUT_MS} ms`)), CREATE_TIMEOUT_MS).unref();
  });
  const create = watchCreateFrame(PREFIX, prefixRangeEnd(PREFIX));
  for (let w = 0; w < settings.watchers; w++) {
    const stream = streamClient.openStream(
      WATCH_WATCH,
      (message) => {
        const now = performance.now();
        const summary = readWatchResponse(message);
        if (summary.created) onCreated();
        for (const value of summary.values) {
          if (value.length < 8) continue;
          const sentMs = value.readDoubleLE(0);
          if (sentMs >= window.fromMs && sentMs < window.toMs) latencies.record(now - sentMs);
        }
        lastEventAtMs = now;
      },
      (status) => {
        if (status !== GRPC_STATUS_OK) streamErrors++;
      },
    );
    stream.write(create);
    streams.push(stream);
  }
  try {
    await allCreated;
    const valueBytes = Math.max(8, settings.valueBytes);
    const keyFields = Array.from({ length: settings.watchWriters }, (_, c) =>
      new ProtoWriter().bytesField(1, paddedKey(PREFIX.toString(), c, Math.max(settings.keyBytes, PREFIX.length + 6))).finish(),
    );
    const values = keyFields.map(() => Buffer.alloc(valueBytes));
    const loopStartMs = performance.now();
    window = { fromMs: loopStartMs + settings.warmupMs, toMs: loopStartMs + settings.warmupMs + settings.durationMs };
    const writes = await runClosedLoop({
      clients: settings.watchWriters,
      durationMs: settings.durationMs,
      warmupMs: settings.warmupMs,
      issue: (c, _seq, done) => {
        values[c].writeDoubleLE(performance.now(), 0);
        const frame = grpcFrame(new ProtoWriter().raw(keyFields[c]).bytesField(2, values[c]).finish());
        client.unary(KV_PUT, frame, (reply) => done(reply.status === GRPC_STATUS_OK ? null : `put: grpc-status ${reply.status}`));
      },
      onSecond: (_done, elapsedMs) =>
        progress.status(`${workload.id} on ${target.name}: ${Math.round(latencies.count / (elapsedMs / 1000)).toLocaleString('en-US')} events/s`),
    });
    await drain(() => lastEventAtMs);
    const sorted = latencies.sorted();
    const expected = writes.ops * settings.watchers;
    return {
      workload: workload.id,
      group: 'watch',
      target: target.name,
      clients: settings.watchWriters,
      unit: 'events/s',
      throughput: sorted.length / writes.seconds,
      ops: sorted.length,
      errors: writes.errors + streamErrors,
      seconds: writes.seconds,
      latency: summarize(sorted),
      cdf: cdfPoints(sorted),
      client: `watchers: ${CLIENT_NAMES.http2}; writers: ${CLIENT_NAMES[settings.client]}`,
      notes: {
        watchers: settings.watchers,
        writers: settings.watchWriters,
        writesPerSecond: Math.round(writes.opsPerSecond),
        deliveredFraction: expected === 0 ? 0 : Number((sorted.length / expected).toFixed(4)),
      },
    };
  } finally {
    for (const s of streams) s.cancel();
  }
}

/** Waits until no event has arrived for a moment (bounded), so late deliveries of measured writes count. */
async function drain(lastEventAtMs: () => number): Promise<void> {
  const deadline = performance.now() + DRAIN_MAX_MS;
  while (performance.now() < deadline && performance.now() - lastEventAtMs() < DRAIN_QUIET_MS) {
    await new Promise((done) => setTimeout(done, 50));
  }
}
