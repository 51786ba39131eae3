// Put throughput and latency at C clients: keys cycle through a key space of pre-encoded frames (256 B keys and
// 1 KiB zero values by default, as `etcdctl check perf`).
import { KV_PUT, putFrames } from '../etcd-requests.ts';
import type { BenchSettings, Workload } from './types.ts';
import { runUnaryLoop } from './unary-loop.ts';

export function putWorkload(clients: number, settings: BenchSettings): Workload {
  let frames: Buffer[] | null = null;
  const workload: Workload = {
    id: `put c=${clients}`,
    group: 'put',
    clients,
    run: (ctx) => {
      frames ??= putFrames('/bench/put/', settings.keySpace, settings.keyBytes, Buffer.alloc(settings.valueBytes));
      const all = frames;
      // Each client walks its own stride so that concurrent clients rarely write the same key at once.
      return runUnaryLoop(ctx, {
        workload,
        path: KV_PUT,
        clients,
        frameFor: (c, seq) => all[(c * 7919 + seq) % all.length],
        notes: { keyBytes: settings.keyBytes, valueBytes: settings.valueBytes, keySpace: settings.keySpace },
      });
    },
  };
  return workload;
}
