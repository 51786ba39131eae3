// Listens for gRPC clients ourselves and hands each connection to a grpc-js server: as the bare socket when its
// first request's :authority is a plain host:port (Node's native HTTP/2 path), through the authority fix-up
// (see authority-fixup.ts) otherwise, so Go clients that dial with URL authorities are served as Go servers serve
// them. connection-sniffer.ts decides. With `tls`, the TLS handshake comes first (tls-termination.ts).
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { DEFAULT_SNIFF_LIMITS, sniffConnection, streamForDecision } from './connection-sniffer.ts';
import { plainHttp1Server, serveHttp1Connection, type PlainHttpHandler } from './plain-http.ts';
import { CertificateNames, tlsServerOptions, type ListenerTls } from './tls-termination.ts';
import { widenServerWindows } from './flow-control.ts';
import { grpcHttp2Servers, installFastUnaryPath, type FastPathLimits, type FastUnaryRoutes } from './unary-fast-path.ts';

/** Unary methods served ahead of grpc-js (unary-fast-path.ts). */
export interface FastUnaryOptions {
  routes: FastUnaryRoutes;
  limits: FastPathLimits;
  /** Requests that are not gRPC (HTTP/1.x connections, HTTP/2 streams of another content type) answered here. */
  plainHttp?: PlainHttpHandler;
}

export interface GrpcListener {
  readonly port: number;
  /** The verified client certificate's CN of the connection at `peer` (call.getPeer()); TLS listeners only. */
  certificateName?(peer: string): string | undefined;
  close(): Promise<void>;
}

/**
 * The injector we hand accepted connections to, its HTTP/2 server set up as all our listeners want it: the unary
 * fast path in front (when given) and wide flow-control windows.
 */
export function grpcConnectionInjector(server: grpc.Server, fast?: FastUnaryOptions): ReturnType<grpc.Server['createConnectionInjector']> {
  const before = grpcHttp2Servers(server);
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  if (fast !== undefined) installFastUnaryPath(server, before, fast.routes, fast.limits, fast.plainHttp);
  widenServerWindows(server);
  return injector;
}

export function listenGrpc(server: grpc.Server, host: string, port: number, tls?: ListenerTls, fast?: FastUnaryOptions): Promise<GrpcListener> {
  const injector = grpcConnectionInjector(server, fast);
  const http1 = fast?.plainHttp === undefined ? undefined : plainHttp1Server(fast.plainHttp);
  const limits = { ...DEFAULT_SNIFF_LIMITS, http1: http1 !== undefined };
  let closed = false;
  const onConnection = (socket: Socket): void => {
    socket.setNoDelay(true);
    sniffConnection(
      socket,
      (decision) => {
        if (closed) socket.destroy();
        else if (decision.path === 'http1' && http1 !== undefined) serveHttp1Connection(http1, socket, decision.buffered);
        else injector.injectConnection(streamForDecision(socket, decision));
      },
      limits,
    );
  };
  const names = new CertificateNames();
  let net: NetServer;
  if (tls === undefined) {
    net = createServer(onConnection);
  } else {
    // HTTP/1.1 is offered after h2 when plain requests are served: gRPC clients still get h2.
    const options = tlsServerOptions(tls);
    net = createTlsServer(http1 === undefined ? options : { ...options, ALPNProtocols: ['h2', 'http/1.1'] }, (socket: TLSSocket) => {
      names.track(socket);
      onConnection(socket);
    });
    // A failed handshake (plaintext, no or a foreign client certificate) concerns that connection only.
    net.on('tlsClientError', (_err, socket) => socket.destroy());
  }
  return new Promise((resolve, reject) => {
    net.once('error', reject);
    net.listen(port, host, () => {
      net.off('error', reject);
      const address = net.address();
      const bound = typeof address === 'object' && address !== null ? address.port : port;
      resolve({
        port: bound,
        certificateName: (peer) => names.of(peer),
        close: () =>
          new Promise<void>((done) => {
            closed = true;
            injector.destroy();
            http1?.closeAllConnections();
            net.close(() => done());
          }),
      });
    });
  });
}
