// Listens for gRPC clients ourselves and hands each connection to a grpc-js server, through the authority fix-up
// (see authority-fixup.ts), so Go clients that dial with URL authorities are served as Go servers serve them.
import { createServer, type Server as NetServer } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { AuthorityFixupSocket } from './authority-fixup.ts';

export interface GrpcListener {
  readonly port: number;
  close(): Promise<void>;
}

export function listenGrpc(server: grpc.Server, host: string, port: number): Promise<GrpcListener> {
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  const net: NetServer = createServer((socket) => {
    socket.setNoDelay(true);
    injector.injectConnection(new AuthorityFixupSocket(socket));
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
            injector.destroy();
            net.close(() => done());
          }),
      });
    });
  });
}
