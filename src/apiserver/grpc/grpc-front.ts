// The gRPC front end's listener: a grpc-js server with the ApiServer service on its own port (HTTP/2 only; the REST
// port stays HTTP/1.1 for kubectl). Reuses the store's listener, which accepts Go-style URL authorities too.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../common/logger.ts';
import { listenGrpc, type GrpcListener } from '../../common/http2/index.ts';
import type { ResourceRegistry } from '../rest/registry.ts';
import { createApiserverHandlers } from './service.ts';
import { apiserverService, GRPC_MESSAGE_OPTIONS } from './wire.ts';

export interface GrpcFrontEnd {
  readonly port: number;
  close(): Promise<void>;
}

export async function startGrpcFrontEnd(registries: readonly ResourceRegistry[], host: string, port: number, logger: Logger): Promise<GrpcFrontEnd> {
  const server = new grpc.Server({ ...GRPC_MESSAGE_OPTIONS, 'grpc.keepalive_permit_without_calls': 1 });
  server.addService(apiserverService().definition, createApiserverHandlers(registries, logger));
  const listener: GrpcListener = await listenGrpc(server, host, port);
  return {
    port: listener.port,
    close: async () => {
      server.forceShutdown();
      await listener.close();
    },
  };
}
