// What a workload is, what it gets to run with, and the one result shape every workload reports.
import type { CdfPoint, Http2GrpcClient, LatencySummary, Progress, UnaryGrpcClient } from '../../lib/index.ts';
import type { BenchTarget, TargetName } from '../targets.ts';

export interface BenchSettings {
  keyBytes: number;
  valueBytes: number;
  durationMs: number;
  warmupMs: number;
  /** HTTP/2 connections per target, spread over its members. */
  connections: number;
  /** Distinct keys the put workload cycles through. */
  keySpace: number;
  /** Clients for range and txn workloads. */
  readClients: number;
  watchers: number;
  watchWriters: number;
  /** etcdctl check perf loads to run (s, m, l, xl); empty for none. */
  checkPerfLoads: string[];
  /** Which client makes unary calls. */
  client: ClientKind;
}

export interface WorkloadContext {
  target: BenchTarget;
  /** Unary calls (the raw HTTP/2 client unless --client http2). */
  client: UnaryGrpcClient;
  /** Streams (watch) always go through node:http2. */
  streams: Http2GrpcClient;
  settings: BenchSettings;
  progress: Progress;
}

export type WorkloadGroup = 'put' | 'range' | 'txn' | 'watch' | 'check-perf';

export interface WorkloadResult {
  workload: string;
  group: WorkloadGroup;
  target: TargetName;
  clients: number;
  /** What `throughput` counts per second. */
  unit: 'ops/s' | 'events/s' | 'writes/s';
  throughput: number;
  ops: number;
  errors: number;
  seconds: number;
  /** null when the workload measures no latency of its own (check perf reports only its slowest request). */
  latency: LatencySummary | null;
  cdf: CdfPoint[];
  /** Which client produced the figure. */
  client: string;
  notes: Record<string, string | number | boolean>;
}

export interface Workload {
  id: string;
  group: WorkloadGroup;
  clients: number;
  /** Runs once per target before its first measurement (loading keys). */
  prepare?(ctx: WorkloadContext): Promise<void>;
  run(ctx: WorkloadContext): Promise<WorkloadResult>;
}

export type ClientKind = 'raw' | 'http2';

export const CLIENT_NAMES: Record<ClientKind, string> = {
  raw: 'bench/lib raw HTTP/2 client (pre-encoded frames)',
  http2: 'bench/lib node:http2 client (pre-encoded frames)',
};
