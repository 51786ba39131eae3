// What etcd's client port answers over plain HTTP beside gRPC, with etcd 3.4.23's statuses, headers and bodies
// (real etcd was the oracle: test/store-http-endpoints.process.test.ts):
//   /health   GET only. {"health":"true"} (200), or {"health":"false"} and a newline (503) when an alarm is
//             raised, no leader is known, or a linearizable read does not go through within a second (etcd's
//             QGET). 3.4 reads no query parameters (?exclude= and ?serializable= came with 3.5);
//   /version  GET only. {"etcdserver":"3.4.23","etcdcluster":"3.4.0"};
//   /metrics  any method. Prometheus text with etcd's names for what barque has (server, MVCC, process); what
//             `etcdctl check datascale` reads (process_resident_memory_bytes) among them;
//   /v3/..., /v3beta/...  the gRPC gateway's JSON calls (grpc-gateway.ts);
//   anything else: Go's "404 page not found"; OPTIONS on any path (a CORS preflight): 200, no body.
// A --listen-metrics-urls listener (metrics-listener.ts) serves /health and /metrics alone, without CORS headers.
import { readdirSync, readFileSync } from 'node:fs';
import type { FastUnaryRoutes, PlainHttpAnswer, PlainHttpHandler } from '../../common/http2/index.ts';
import { withTimeout } from '../../common/with-timeout.ts';
import { GrpcGateway } from './grpc-gateway.ts';
import type { StreamRoutes } from './grpc-gateway-stream.ts';
import type { ServerContext } from './context.ts';
import { SERVED_ETCD_VERSION } from './maintenance-service.ts';

const CLUSTER_VERSION = '3.4.0';
/** How long the /health read may take (etcd 3.4: one second). */
const HEALTH_READ_TIMEOUT_MS = 1_000;
const CORS = {
  'access-control-allow-headers': 'accept, content-type, authorization',
  'access-control-allow-methods': 'POST, GET, OPTIONS, PUT, DELETE',
  'access-control-allow-origin': '*',
};
const STARTED_AT_SECONDS = Date.now() / 1000 - process.uptime();

export function etcdHttpHandler(ctx: ServerContext, routes: FastUnaryRoutes, streams: StreamRoutes): PlainHttpHandler {
  const gateway = new GrpcGateway(ctx.codecs.root, routes, streams, CORS);
  const endpoints = endpointAnswers(ctx, CORS, true);
  return async (req) => {
    // etcd's CORS handler answers a preflight itself, on any path: 200, its CORS headers, no body.
    if (req.method === 'OPTIONS') return { status: 200, headers: CORS, body: '' };
    const { pathname } = new URL(req.url, 'http://localhost');
    const viaGateway = await gateway.answer(req, pathname);
    if (viaGateway !== undefined) return viaGateway;
    return endpoints(req.method, pathname);
  };
}

/** What a --listen-metrics-urls listener serves, as etcd's metrics mux: /metrics and /health only, no CORS headers. */
export function etcdMetricsHandler(ctx: ServerContext): PlainHttpHandler {
  const endpoints = endpointAnswers(ctx, {}, false);
  return async (req) => endpoints(req.method, new URL(req.url, 'http://localhost').pathname);
}

/** /health, /metrics and (on the client port) /version, with `headers` on every answer; anything else 404. */
function endpointAnswers(ctx: ServerContext, headers: Readonly<Record<string, string>>, version: boolean): (method: string, pathname: string) => Promise<PlainHttpAnswer> {
  const goError = (status: number, text: string, extra: Readonly<Record<string, string>> = {}): PlainHttpAnswer => goErrorWith(headers, status, text, extra);
  const methodNotAllowed = goError(405, 'Method Not Allowed', { allow: 'GET' });
  return async (method, pathname) => {
    switch (pathname) {
      case '/health':
        if (method !== 'GET') return methodNotAllowed;
        if (await healthy(ctx)) return { status: 200, headers: { ...headers, 'content-type': 'text/plain; charset=utf-8' }, body: '{"health":"true"}' };
        return goError(503, '{"health":"false"}');
      case '/version':
        if (!version) return goError(404, '404 page not found');
        if (method !== 'GET') return methodNotAllowed;
        return { status: 200, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ etcdserver: SERVED_ETCD_VERSION, etcdcluster: CLUSTER_VERSION }) };
      case '/metrics':
        return { status: 200, headers: { ...headers, 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }, body: metrics(ctx) };
      default:
        return goError(404, '404 page not found');
    }
  };
}

/** As Go's http.Error writes an error: plain text, nosniff, a newline after the text. */
function goErrorWith(headers: Readonly<Record<string, string>>, status: number, text: string, extra: Readonly<Record<string, string>>): PlainHttpAnswer {
  return { status, headers: { ...headers, ...extra, 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' }, body: `${text}\n` };
}

async function healthy(ctx: ServerContext): Promise<boolean> {
  if (ctx.alarms.list().length > 0 || !ctx.hasLeader()) return false;
  try {
    return (await withTimeout(ctx.proposer.readBarrier(), HEALTH_READ_TIMEOUT_MS)) !== 'timeout';
  } catch {
    return false;
  }
}


function metrics(ctx: ServerContext): string {
  const out: string[] = [];
  const gauge = (name: string, help: string, value: number, labels = ''): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name}${labels} ${value}`);
  };
  const counter = (name: string, help: string, value: number): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name} ${value}`);
  };
  const leader = ctx.proposer.leaderId;
  gauge('etcd_cluster_version', "Which version is running. 1 for 'cluster_version' label with current cluster version", 1, '{cluster_version="3.4"}');
  gauge('etcd_debugging_mvcc_compact_revision', 'The revision of the last compaction in store.', Math.max(0, ctx.store.compactRevision));
  gauge('etcd_debugging_mvcc_current_revision', 'The current revision of store.', ctx.store.revision);
  gauge('etcd_debugging_mvcc_keys_total', 'Total number of keys.', ctx.store.keyCount);
  gauge('etcd_mvcc_db_total_size_in_bytes', 'Total size of the underlying database physically allocated in bytes.', ctx.dbSizeBytes());
  gauge('etcd_mvcc_db_total_size_in_use_in_bytes', 'Total size of the underlying database logically in use in bytes.', ctx.dbSizeBytes());
  gauge('etcd_server_has_leader', 'Whether or not a leader exists. 1 is existence, 0 is not.', ctx.hasLeader() ? 1 : 0);
  gauge('etcd_server_id', 'Server or member ID in hexadecimal format. 1 for \'server_id\' label with current ID.', 1, `{server_id="${ctx.memberId.toString(16)}"}`);
  gauge('etcd_server_is_leader', 'Whether or not this member is a leader. 1 if is, 0 otherwise.', leader !== 0n && leader === ctx.memberId ? 1 : 0);
  gauge('etcd_server_is_learner', 'Whether or not this member is a learner. 1 if is, 0 otherwise.', ctx.isLearner?.() === true ? 1 : 0);
  gauge('etcd_server_proposals_committed_total', 'The total number of consensus proposals committed.', ctx.proposer.lastIndex);
  gauge('etcd_server_version', "Which version is running. 1 for 'server_version' label with current version.", 1, `{server_version="${SERVED_ETCD_VERSION}"}`);
  const cpu = process.cpuUsage();
  counter('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.', (cpu.user + cpu.system) / 1e6);
  const fds = openFds();
  if (fds !== undefined) gauge('process_open_fds', 'Number of open file descriptors.', fds);
  gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', process.memoryUsage.rss());
  gauge('process_start_time_seconds', 'Start time of the process since unix epoch in seconds.', Math.round(STARTED_AT_SECONDS * 100) / 100);
  const vsize = virtualMemoryBytes();
  if (vsize !== undefined) gauge('process_virtual_memory_bytes', 'Virtual memory size in bytes.', vsize);
  return `${out.join('\n')}\n`;
}

function openFds(): number | undefined {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return undefined;
  }
}

function virtualMemoryBytes(): number | undefined {
  try {
    // /proc/self/stat: the 23rd field (vsize), counted after the parenthesised command name.
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    return Number(fields[20]);
  } catch {
    return undefined;
  }
}
