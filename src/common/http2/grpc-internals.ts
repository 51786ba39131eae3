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

export type MessageWriter = (message: unknown, callback: (error?: Error | null) => void) => void;

/**
 * Writes a server stream's messages straight to the call beneath grpc-js's Writable. That Writable hands HTTP/2
 * one message at a time and takes the next only once the previous has reached the socket, so a stream carries at
 * most one message per event-loop turn: under the density bench an apiserver's watch streams fell seconds behind
 * (writes pending 10 s, 10 MB) while REST watches of the same process kept up. Written beneath it, the messages
 * queue on the HTTP/2 stream, which sends all that are waiting in one write. The callback runs once the message is
 * on the socket, as the Writable's would.
 */
export function directMessageWriter(stream: grpc.ServerWritableStream<unknown, unknown> | grpc.ServerDuplexStream<unknown, unknown>): MessageWriter {
  const inner = (stream as unknown as { call?: { sendMessage?: MessageWriter } }).call;
  assert(typeof inner?.sendMessage === 'function', 'grpc-js server stream has no call.sendMessage: src/common/http2/grpc-internals.ts needs updating');
  return (message, callback) => inner.sendMessage!(message, callback);
}
