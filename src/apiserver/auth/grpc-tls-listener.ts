// The gRPC front end over TLS. grpc-js's own TLS credentials either demand a client certificate or never ask for
// one; kube-apiserver asks and lets bearer tokens in too. So TLS is terminated here (client certificate requested,
// verified against the client CA, not required) and each TLS socket is handed to grpc-js as its connection;
// grpc-js then reports a verified peer certificate through call.getAuthContext().
import { createServer, type PeerCertificate, type TLSSocket } from 'node:tls';
import type * as grpc from '@grpc/grpc-js';
import { grpcConnectionInjector, type FastUnaryOptions, type GrpcListener } from '../../common/http2/index.ts';

export interface TlsFiles {
  certPem: string;
  keyPem: string;
  /** Client CA bundle; without it no client certificate is asked for. */
  clientCaPem?: string;
}

export function listenGrpcTls(server: grpc.Server, host: string, port: number, tls: TlsFiles, fast?: FastUnaryOptions): Promise<GrpcListener> {
  const injector = grpcConnectionInjector(server, fast);
  const net = createServer(
    { cert: tls.certPem, key: tls.keyPem, ca: tls.clientCaPem, requestCert: tls.clientCaPem !== undefined, rejectUnauthorized: false, ALPNProtocols: ['h2'] },
    (socket: TLSSocket) => {
      socket.setNoDelay(true);
      // grpc-js asks the socket for the peer certificate on every call (getAuthContext), and Node builds it anew
      // each time (~2% of a busy apiserver); a connection's certificate never changes, so it is built once here.
      const build = socket.getPeerCertificate.bind(socket);
      let plain: PeerCertificate | undefined;
      socket.getPeerCertificate = ((detailed?: boolean) => (detailed === true ? build(true) : (plain ??= build()))) as TLSSocket['getPeerCertificate'];
      injector.injectConnection(socket);
    },
  );
  // A failed handshake (plaintext, wrong CA on the client's side) concerns that connection only.
  net.on('tlsClientError', (_err, socket) => socket.destroy());
  return new Promise((resolve, reject) => {
    net.once('error', reject);
    net.listen(port, host, () => {
      net.off('error', reject);
      const address = net.address();
      resolve({
        port: typeof address === 'object' && address !== null ? address.port : port,
        close: () =>
          new Promise<void>((done) => {
            injector.destroy();
            net.close(() => done());
          }),
      });
    });
  });
}
