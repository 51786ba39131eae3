// What the load generator costs per request, measured against a trivial gRPC echo server on a worker thread (so
// this thread runs the client alone): requests/s, this thread's event-loop utilization, and from those the
// client's CPU time per request and the rate it could drive with one whole core. The raw HTTP/2 client and the
// node:http2 client send the same pre-encoded frames; a plain grpc-js client loop does the same puts for
// comparison (our codecs serialize each request, as any grpc-js user's would).
import * as grpc from '@grpc/grpc-js';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { loadEtcdProtos } from '../../src/store/proto/index.ts';
import { GRPC_STATUS_OK, Http2GrpcClient, markdownTable, RawH2GrpcClient, runClosedLoop, startEchoServerThread, type IssueRequest } from '../lib/index.ts';
import { KV_PUT, paddedKey, putFrames } from './etcd-requests.ts';
import type { BenchSettings } from './workloads/types.ts';

export interface LoadgenCostRow {
  client: string;
  connections: number;
  clients: number;
  requestsPerSecond: number;
  /** This thread's event-loop utilization while measuring, 0..1. */
  utilization: number;
  /** Event-loop busy time per request, µs. */
  busyMicrosPerRequest: number;
  /** requestsPerSecond / utilization: the rate one whole core of client would reach. */
  requestsPerCoreSecond: number;
  errors: number;
}

interface Variant {
  client: 'raw HTTP/2' | 'node:http2' | 'grpc-js';
  connections: number;
  clients: number;
}

const VARIANTS: readonly Variant[] = [
  { client: 'raw HTTP/2', connections: 1, clients: 100 },
  { client: 'raw HTTP/2', connections: 4, clients: 500 },
  { client: 'node:http2', connections: 1, clients: 100 },
  { client: 'node:http2', connections: 4, clients: 500 },
  { client: 'grpc-js', connections: 1, clients: 100 },
  { client: 'grpc-js', connections: 1, clients: 500 },
];

export async function measureLoadgenCost(settings: BenchSettings, variants: readonly Variant[] = VARIANTS): Promise<LoadgenCostRow[]> {
  const { codecs, services } = loadEtcdProtos();
  const response = codecs.type('etcdserverpb.PutResponse').encode({
    header: { cluster_id: 0x1234n, member_id: 0x5678n, revision: 123_456n, raft_term: 2n },
  });
  const server = await startEchoServerThread(response);
  const rows: LoadgenCostRow[] = [];
  try {
    const value = Buffer.alloc(settings.valueBytes);
    const frames = putFrames('/bench/put/', Math.min(settings.keySpace, 1000), settings.keyBytes, value);
    const keys = Array.from({ length: frames.length }, (_, i) => paddedKey('/bench/put/', i, settings.keyBytes));
    for (const v of variants) {
      if (v.client !== 'grpc-js') {
        const connect = { connections: v.connections };
        const client = v.client === 'raw HTTP/2' ? await RawH2GrpcClient.connect([server.url], connect) : await Http2GrpcClient.connect([server.url], connect);
        const issue: IssueRequest = (c, seq, done) =>
          client.unary(KV_PUT, frames[(c + seq) % frames.length], (r) => done(r.status === GRPC_STATUS_OK ? null : r.message));
        rows.push(await measure(v, issue, settings));
        await client.close();
      } else {
        const client = new services.KV.Client(server.url.replace('http://', ''), grpc.credentials.createInsecure());
        const put = (client as unknown as Record<string, (req: unknown, cb: (err: Error | null) => void) => void>).Put.bind(client);
        const issue: IssueRequest = (c, seq, done) => put({ key: keys[(c + seq) % keys.length], value }, (err) => done(err === null ? null : err.message));
        rows.push(await measure(v, issue, settings));
        client.close();
      }
    }
  } finally {
    await server.close();
  }
  return rows;
}

async function measure(v: Variant, issue: IssueRequest, settings: BenchSettings): Promise<LoadgenCostRow> {
  let elu = performance.eventLoopUtilization();
  const warmupDone = setTimeout(() => (elu = performance.eventLoopUtilization()), settings.warmupMs);
  const loop = await runClosedLoop({ clients: v.clients, durationMs: settings.durationMs, warmupMs: settings.warmupMs, issue });
  clearTimeout(warmupDone);
  const used = performance.eventLoopUtilization(elu);
  return {
    client: v.client,
    connections: v.connections,
    clients: v.clients,
    requestsPerSecond: loop.opsPerSecond,
    utilization: used.utilization,
    busyMicrosPerRequest: (used.active * 1000) / Math.max(1, loop.ops),
    requestsPerCoreSecond: loop.opsPerSecond / Math.max(used.utilization, 1e-9),
    errors: loop.errors,
  };
}

export function loadgenCostTable(rows: readonly LoadgenCostRow[]): string {
  return markdownTable(
    [
      { title: 'client' },
      { title: 'connections', align: 'right' },
      { title: 'clients', align: 'right' },
      { title: 'req/s', align: 'right' },
      { title: 'client thread busy', align: 'right' },
      { title: 'µs/req', align: 'right' },
      { title: 'req/s per core', align: 'right' },
      { title: 'errors', align: 'right' },
    ],
    rows.map((r) => [
      r.client,
      r.connections,
      r.clients,
      r.requestsPerSecond,
      `${Math.round(r.utilization * 100)} %`,
      r.busyMicrosPerRequest,
      r.requestsPerCoreSecond,
      r.errors,
    ]),
  );
}

export async function runLoadgenCost(settings: BenchSettings): Promise<number> {
  const before = os.loadavg();
  const rows = await measureLoadgenCost(settings);
  const after = os.loadavg();
  process.stdout.write(loadgenCostTable(rows));
  process.stdout.write(
    `\nputs of ${settings.keyBytes} B keys and ${settings.valueBytes} B values, ${settings.durationMs / 1000} s each; ` +
      `load average ${before.map((l) => l.toFixed(2)).join(', ')} before, ${after.map((l) => l.toFixed(2)).join(', ')} after; ` +
      `${os.cpus().length} cores\n`,
  );
  return rows.some((r) => r.errors > 0) ? 1 : 0;
}
