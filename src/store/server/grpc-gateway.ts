// etcd's gRPC gateway: the unary calls as JSON over HTTP POST on the client port, under /v3/ and the deprecated
// /v3beta/ (on by default in etcd 3.4: `curl -X POST .../v3/kv/put -d '{"key":"Zm9v","value":"YmFy"}'`). The
// JSON is protobuf's JSON mapping with the .proto's field names, 64-bit integers as strings, bytes as base64 and
// fields at their default left out, as etcd's gateway writes it; unknown request fields are ignored. A request
// runs through the same handler as the gRPC call (the unary fast path's routes), from the wire bytes the JSON
// encodes to, so checks and errors are the same; an error answers {"error","message","code"} with the HTTP status
// grpc-gateway maps the gRPC code to. The streaming calls (watch, lease keep-alive, snapshot, observe) answer as
// a stream of JSON lines (grpc-gateway-stream.ts).
import * as grpc from '@grpc/grpc-js';
import type * as protobuf from 'protobufjs';
import type { FastUnaryRoutes, PlainHttpAnswer, PlainHttpRequest } from '../../common/http2/index.ts';
import { AUTHORIZATION_METADATA_KEY } from '../auth/index.ts';
import { answerStream, GatewayCall, type StreamRoutes } from './grpc-gateway-stream.ts';

/** Gateway path (after the version prefix) -> the gRPC method it calls; the paths of etcd 3.4's rpc.proto. */
const GATEWAY_METHODS: Readonly<Record<string, string>> = {
  'kv/range': 'etcdserverpb.KV/Range',
  'kv/put': 'etcdserverpb.KV/Put',
  'kv/deleterange': 'etcdserverpb.KV/DeleteRange',
  'kv/txn': 'etcdserverpb.KV/Txn',
  'kv/compaction': 'etcdserverpb.KV/Compact',
  'lease/grant': 'etcdserverpb.Lease/LeaseGrant',
  'lease/revoke': 'etcdserverpb.Lease/LeaseRevoke',
  'kv/lease/revoke': 'etcdserverpb.Lease/LeaseRevoke',
  'lease/timetolive': 'etcdserverpb.Lease/LeaseTimeToLive',
  'kv/lease/timetolive': 'etcdserverpb.Lease/LeaseTimeToLive',
  'lease/leases': 'etcdserverpb.Lease/LeaseLeases',
  'kv/lease/leases': 'etcdserverpb.Lease/LeaseLeases',
  'cluster/member/add': 'etcdserverpb.Cluster/MemberAdd',
  'cluster/member/remove': 'etcdserverpb.Cluster/MemberRemove',
  'cluster/member/update': 'etcdserverpb.Cluster/MemberUpdate',
  'cluster/member/list': 'etcdserverpb.Cluster/MemberList',
  'cluster/member/promote': 'etcdserverpb.Cluster/MemberPromote',
  'maintenance/alarm': 'etcdserverpb.Maintenance/Alarm',
  'maintenance/status': 'etcdserverpb.Maintenance/Status',
  'maintenance/defragment': 'etcdserverpb.Maintenance/Defragment',
  // rpc.proto gives Hash and HashKV the same path; the gateway's mux takes the first registered, Hash.
  'maintenance/hash': 'etcdserverpb.Maintenance/Hash',
  'maintenance/transfer-leadership': 'etcdserverpb.Maintenance/MoveLeader',
  'auth/enable': 'etcdserverpb.Auth/AuthEnable',
  'auth/disable': 'etcdserverpb.Auth/AuthDisable',
  'auth/authenticate': 'etcdserverpb.Auth/Authenticate',
  'auth/user/add': 'etcdserverpb.Auth/UserAdd',
  'auth/user/get': 'etcdserverpb.Auth/UserGet',
  'auth/user/list': 'etcdserverpb.Auth/UserList',
  'auth/user/delete': 'etcdserverpb.Auth/UserDelete',
  'auth/user/changepw': 'etcdserverpb.Auth/UserChangePassword',
  'auth/user/grant': 'etcdserverpb.Auth/UserGrantRole',
  'auth/user/revoke': 'etcdserverpb.Auth/UserRevokeRole',
  'auth/role/add': 'etcdserverpb.Auth/RoleAdd',
  'auth/role/get': 'etcdserverpb.Auth/RoleGet',
  'auth/role/list': 'etcdserverpb.Auth/RoleList',
  'auth/role/delete': 'etcdserverpb.Auth/RoleDelete',
  'auth/role/grant': 'etcdserverpb.Auth/RoleGrantPermission',
  'auth/role/revoke': 'etcdserverpb.Auth/RoleRevokePermission',
  'lock/lock': 'v3lockpb.Lock/Lock',
  'lock/unlock': 'v3lockpb.Lock/Unlock',
  'election/campaign': 'v3electionpb.Election/Campaign',
  'election/proclaim': 'v3electionpb.Election/Proclaim',
  'election/leader': 'v3electionpb.Election/Leader',
  'election/resign': 'v3electionpb.Election/Resign',
};
/** The streaming calls, the same way. */
const GATEWAY_STREAMS: Readonly<Record<string, string>> = {
  watch: 'etcdserverpb.Watch/Watch',
  'lease/keepalive': 'etcdserverpb.Lease/LeaseKeepAlive',
  'maintenance/snapshot': 'etcdserverpb.Maintenance/Snapshot',
  'election/observe': 'v3electionpb.Election/Observe',
};
const PREFIXES = ['/v3/', '/v3beta/'];
const MUX_HEADERS = { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' };
const MUX_NOT_FOUND: PlainHttpAnswer = { status: 404, headers: MUX_HEADERS, body: 'Not Found\n' };
const MUX_METHOD_NOT_ALLOWED: PlainHttpAnswer = { status: 405, headers: MUX_HEADERS, body: 'Method Not Allowed\n' };

/** grpc-gateway's HTTP status for a gRPC code. */
const HTTP_STATUS: Readonly<Record<number, number>> = {
  [grpc.status.OK]: 200,
  [grpc.status.CANCELLED]: 408,
  [grpc.status.UNKNOWN]: 500,
  [grpc.status.INVALID_ARGUMENT]: 400,
  [grpc.status.DEADLINE_EXCEEDED]: 504,
  [grpc.status.NOT_FOUND]: 404,
  [grpc.status.ALREADY_EXISTS]: 409,
  [grpc.status.PERMISSION_DENIED]: 403,
  [grpc.status.UNAUTHENTICATED]: 401,
  [grpc.status.RESOURCE_EXHAUSTED]: 429,
  [grpc.status.FAILED_PRECONDITION]: 412,
  [grpc.status.ABORTED]: 409,
  [grpc.status.OUT_OF_RANGE]: 400,
  [grpc.status.UNIMPLEMENTED]: 501,
  [grpc.status.INTERNAL]: 500,
  [grpc.status.UNAVAILABLE]: 503,
  [grpc.status.DATA_LOSS]: 500,
};

interface GatewayMethod {
  grpcPath: string;
  requestType: protobuf.Type;
  responseType: protobuf.Type;
}

/** The gateway's answers to the paths under its prefixes. */
export class GrpcGateway {
  private readonly methods = new Map<string, GatewayMethod>();
  private readonly streamMethods = new Map<string, GatewayMethod>();

  constructor(
    root: protobuf.Root,
    private readonly routes: FastUnaryRoutes,
    private readonly streams: StreamRoutes,
    private readonly headers: Readonly<Record<string, string>>,
  ) {
    const resolve = (table: Readonly<Record<string, string>>, served: ReadonlyMap<string, unknown>, into: Map<string, GatewayMethod>): void => {
      for (const [path, full] of Object.entries(table)) {
        const [service, name] = full.split('/');
        const method = root.lookupService(service).methods[name];
        method.resolve();
        const grpcPath = `/${full}`;
        if (!served.has(grpcPath)) continue; // a service this member does not serve
        into.set(path, { grpcPath, requestType: method.resolvedRequestType!, responseType: method.resolvedResponseType! });
      }
    };
    resolve(GATEWAY_METHODS, routes, this.methods);
    resolve(GATEWAY_STREAMS, streams, this.streamMethods);
  }

  /** The answer for a path under /v3/ or /v3beta/; undefined for any other path. */
  async answer(req: PlainHttpRequest, pathname: string): Promise<PlainHttpAnswer | undefined> {
    const prefix = PREFIXES.find((p) => pathname.startsWith(p));
    if (prefix === undefined) return undefined;
    // The gateway's own mux answers these, as Go's http.Error writes them (no CORS headers).
    const path = pathname.slice(prefix.length);
    const method = this.methods.get(path);
    const streamMethod = this.streamMethods.get(path);
    if (method === undefined && streamMethod === undefined) return MUX_NOT_FOUND;
    if (req.method !== 'POST') return MUX_METHOD_NOT_ALLOWED;
    const metadata = new grpc.Metadata();
    // As etcd's gateway forwards it: the Authorization header as `authorization` metadata (the gate reads it).
    if (req.authorization !== undefined) metadata.set(AUTHORIZATION_METADATA_KEY, req.authorization);
    if (streamMethod !== undefined) {
      return answerStream({
        route: this.streams.get(streamMethod.grpcPath)!,
        requestType: streamMethod.requestType,
        responseType: streamMethod.responseType,
        body: req.body.toString('utf8'),
        metadata,
        headers: this.headers,
        errorAnswer: (code, message) => this.error(code, message),
        httpStatus: (code) => HTTP_STATUS[code] ?? 500,
        onClientClose: req.onClose,
      });
    }
    if (method === undefined) return MUX_NOT_FOUND;
    let wire: Buffer;
    try {
      const json: unknown = req.body.length === 0 ? {} : JSON.parse(req.body.toString('utf8'));
      if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('the body is not a JSON object');
      wire = Buffer.from(method.requestType.encode(method.requestType.fromObject(json)).finish());
    } catch (err) {
      return this.error(grpc.status.INVALID_ARGUMENT, err instanceof Error ? err.message : String(err));
    }
    const route = this.routes.get(method.grpcPath)!;
    const outcome = await new Promise<{ err: Partial<grpc.ServiceError> | null; value?: unknown }>((resolve) => {
      let request: unknown;
      try {
        request = route.definition.requestDeserialize(wire);
      } catch (err) {
        resolve({ err: { code: grpc.status.INTERNAL, details: `Error deserializing request: ${(err as Error).message}` } });
        return;
      }
      const call = new GatewayCall(metadata, method.grpcPath);
      call.request = request;
      try {
        route.handler(call as unknown as grpc.ServerUnaryCall<unknown, unknown>, (err, value) => resolve({ err: err ?? null, value }));
      } catch (err) {
        resolve({ err: { code: grpc.status.UNKNOWN, details: (err as Error).message } });
      }
    });
    if (outcome.err !== null) return this.error(outcome.err.code ?? grpc.status.UNKNOWN, outcome.err.details ?? outcome.err.message ?? 'unknown error');
    const bytes = route.definition.responseSerialize(outcome.value);
    const object = method.responseType.toObject(method.responseType.decode(bytes), { longs: String, enums: String, bytes: String });
    return { status: 200, headers: { ...this.headers, 'content-type': 'application/json', 'grpc-metadata-content-type': 'application/grpc' }, body: JSON.stringify(object) };
  }

  private error(code: number, message: string): PlainHttpAnswer {
    return { status: HTTP_STATUS[code] ?? 500, headers: { ...this.headers, 'content-type': 'application/json' }, body: JSON.stringify({ error: message, message, code }) };
  }
}
