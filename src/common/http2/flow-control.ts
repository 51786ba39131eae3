// HTTP/2 flow-control windows of our gRPC connections. Node's HTTP/2, and so grpc-js, lets a sender have only 64 KiB
// unread per stream and per connection before it must wait for the receiver's WINDOW_UPDATE, and a busy event loop
// sends that late. Under the k8s bench an apiserver's watch on its store member, ~1 MB/s of objects with their
// previous versions, fell 1,000-3,000 revisions (seconds) behind while the member itself kept up; with wide windows
// it stays within the last batch. gRPC-Go grows its windows by bandwidth estimation to 16 MiB; we open them that
// wide from the start. The memory is spent only while the receiver has not read.
import type * as http2 from 'node:http2';
import type * as grpc from '@grpc/grpc-js';
import { grpcHttp2ServerMap } from './grpc-internals.ts';

export const FLOW_CONTROL_WINDOW_BYTES = 16 * 1024 * 1024;

/** grpc-js channel options that open a client's receive windows (per stream and for the connection). */
export const WIDE_WINDOW_CHANNEL_OPTIONS = { 'grpc-node.flow_control_window': FLOW_CONTROL_WINDOW_BYTES } as const;

const widened = new WeakSet<object>();

/**
 * Opens the receive windows of every session the grpc-js server's HTTP/2 servers accept from now on (call it after
 * bindAsync or createConnectionInjector: grpc-js makes those servers then). grpc-js has no option for its server
 * side (grpc-internals.ts).
 */
export function widenServerWindows(server: grpc.Server, bytes = FLOW_CONTROL_WINDOW_BYTES): void {
  for (const h2 of grpcHttp2ServerMap(server).keys()) {
    if (widened.has(h2)) continue;
    widened.add(h2);
    h2.on('session', (session: http2.ServerHttp2Session) => widenSession(session, bytes));
  }
}

function widenSession(session: http2.Http2Session, bytes: number): void {
  try {
    session.settings({ initialWindowSize: bytes });
    session.setLocalWindowSize(bytes);
  } catch {
    // A session already closing: nothing to widen.
  }
}
