// Listens for gRPC clients ourselves and hands each connection to a grpc-js server: as the bare socket when its
// first request's :authority is a plain host:port (Node's native HTTP/2 path), through the authority fix-up
// (see authority-fixup.ts) otherwise, so Go clients that dial with URL authorities are served as Go servers serve
// them. connection-sniffer.ts decides.
import { createServer, type Server as NetServer } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { sniffConnection, streamForDecision } from './connection-sniffer.ts';

export interface GrpcListener {
  readonly port: number;
  close(): Promise<void>;
}

export function listenGrpc(server: grpc.Server, host: string, port: number): Promise<GrpcListener> {
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  let closed = false;
  const net: NetServer = createServer((socket) => {
    socket.setNoDelay(true);
    sniffConnection(socket, (decision) => {
      if (closed) socket.destroy();
      else injector.injectConnection(streamForDecision(socket, decision));
    });
  });
  return new Promise((resolve, reject) => {
    net.once('error', reject);
    net.listen(port, host, () => {
      net.off('error', reject);
      const address = net.address();
      const bound = typeof address === 'object' && address !== null ? address.port : port;
      resolve({
        port: bound,
        close: () =>
          new Promise<void>((done) => {
            closed = true;
            injector.destroy();
            net.close(() => done());
          }),
      });
    });
  });
}
