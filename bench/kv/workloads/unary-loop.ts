// A closed loop of unary calls through the http2 client, with a progress status line, summarized into a
// WorkloadResult.
import { cdfPoints, GRPC_STATUS_OK, runClosedLoop, summarize, type UnaryReply } from '../../lib/index.ts';
import { CLIENT_NAMES, type Workload, type WorkloadContext, type WorkloadResult } from './types.ts';

export interface UnaryLoopSpec {
  workload: Workload;
  path: string;
  clients: number;
  frameFor(client: number, seq: number): Buffer;
  /** Extra check of an OK reply (and a place to read from it); returns an error text or null. */
  onReply?(client: number, reply: UnaryReply): string | null;
  notes?: WorkloadResult['notes'];
}

export async function runUnaryLoop(ctx: WorkloadContext, spec: UnaryLoopSpec): Promise<WorkloadResult> {
  const { client, settings, progress, target } = ctx;
  const label = `${spec.workload.id} on ${target.name}`;
  const loop = await runClosedLoop({
    clients: spec.clients,
    durationMs: settings.durationMs,
    warmupMs: settings.warmupMs,
    issue: (c, seq, done) =>
      client.unary(spec.path, spec.frameFor(c, seq), (reply) => {
        if (reply.status !== GRPC_STATUS_OK) return done(`grpc-status ${reply.status}: ${reply.message}`);
        done(spec.onReply?.(c, reply) ?? null);
      }),
    onSecond: (completed, elapsedMs) =>
      progress.status(`${label}: ${Math.round(completed / (elapsedMs / 1000)).toLocaleString('en-US')} ops/s, ${Math.round(elapsedMs / 1000)}/${settings.durationMs / 1000} s`),
  });
  return {
    workload: spec.workload.id,
    group: spec.workload.group,
    target: target.name,
    clients: spec.clients,
    unit: 'ops/s',
    throughput: loop.opsPerSecond,
    ops: loop.ops,
    errors: loop.errors,
    seconds: loop.seconds,
    latency: summarize(loop.latenciesMs),
    cdf: cdfPoints(loop.latenciesMs),
    client: CLIENT_NAMES[settings.client],
    notes: { ...spec.notes, ...(loop.errorSamples.length > 0 ? { firstErrors: loop.errorSamples.join(' | ') } : {}) },
  };
}

/** Loads keys with a bounded number of calls in flight; throws on the first failure. */
export async function loadFrames(ctx: WorkloadContext, path: string, frames: readonly Buffer[], inFlightMax = 64): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < frames.length) {
      const reply = await ctx.client.unaryAsync(path, frames[next++]);
      if (reply.status !== GRPC_STATUS_OK) throw new Error(`loading keys: grpc-status ${reply.status}: ${reply.message}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlightMax, frames.length) }, worker));
}
