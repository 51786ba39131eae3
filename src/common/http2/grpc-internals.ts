// grpc-js keeps its HTTP/2 servers (one per bindAsync address, one per connection injector) in a private map, and
// offers no option for what we set on them (the unary fast path, flow-control windows). Reached here only, so a
// grpc-js upgrade that moves it fails one assertion at start-up instead of silently losing either.
import type * as http2 from 'node:http2';
import type * as grpc from '@grpc/grpc-js';
import { assert } from '../../raft/assert.ts';

export function grpcHttp2ServerMap(server: grpc.Server): Map<http2.Http2Server, unknown> {
  const servers = (server as unknown as { http2Servers?: Map<http2.Http2Server, unknown> }).http2Servers;
  assert(servers instanceof Map, 'grpc-js Server has no http2Servers map: src/common/http2/grpc-internals.ts needs updating');
  return servers;
}
