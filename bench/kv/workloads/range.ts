// Range reads, linearizable (ReadIndex through the leader) and serializable (local): one key, and a prefix of
// 1,000 keys (a Kubernetes-style list). The keys are loaded once per target.
import { KV_PUT, KV_RANGE, paddedKey, prefixRangeEnd, putFrame, putFrames, rangeFrame } from '../etcd-requests.ts';
import type { BenchSettings, Workload, WorkloadContext } from './types.ts';
import { loadFrames, runUnaryLoop } from './unary-loop.ts';

export const RANGE_PREFIX_KEYS = 1000;
const ONE_KEY = '/bench/range-one/';
const PREFIX = '/bench/range-list/';

export type RangeShape = 'one key' | 'prefix 1000';

const loaded = new WeakSet<object>();

async function loadRangeKeys(ctx: WorkloadContext): Promise<void> {
  if (loaded.has(ctx.target)) return;
  const { keyBytes, valueBytes } = ctx.settings;
  const value = Buffer.alloc(valueBytes);
  await loadFrames(ctx, KV_PUT, [putFrame(paddedKey(ONE_KEY, 0, keyBytes), value), ...putFrames(PREFIX, RANGE_PREFIX_KEYS, keyBytes, value)]);
  loaded.add(ctx.target);
}

export function rangeWorkload(shape: RangeShape, serializable: boolean, settings: BenchSettings): Workload {
  const clients = settings.readClients;
  const frame =
    shape === 'one key'
      ? rangeFrame(paddedKey(ONE_KEY, 0, settings.keyBytes), null, serializable)
      : rangeFrame(Buffer.from(PREFIX), prefixRangeEnd(Buffer.from(PREFIX)), serializable);
  const workload: Workload = {
    id: `range ${serializable ? 'serializable' : 'linearizable'} ${shape}`,
    group: 'range',
    clients,
    prepare: loadRangeKeys,
    run: (ctx) =>
      runUnaryLoop(ctx, {
        workload,
        path: KV_RANGE,
        clients,
        frameFor: () => frame,
        notes: { keys: shape === 'one key' ? 1 : RANGE_PREFIX_KEYS, serializable },
      }),
  };
  return workload;
}
