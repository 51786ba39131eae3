// The gRPC front end's listener: a grpc-js server with the ApiServer service on its own port (HTTP/2 only; the REST
// port stays HTTP/1.1 for kubectl). Reuses the store's listener, which accepts Go-style URL authorities too.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../common/logger.ts';
import { addUnaryRoutes, listenGrpc, type FastPathLimits, type FastUnaryMethod, type GrpcListener } from '../../common/http2/index.ts';
import type { ResourceRegistry } from '../rest/registry.ts';
import { createApiserverHandlers } from './service.ts';
import { apiserverService, GRPC_MESSAGE_OPTIONS } from './wire.ts';
import { guardGrpc, listenGrpcTls, type AccessControl, type TlsFiles } from '../auth/index.ts';

/** TLS and access control, as on the REST port; absent = plaintext, everything allowed (the explicit --port mode). */
export interface GrpcSecurity {
  tls?: TlsFiles;
  access?: AccessControl;
}

export interface GrpcFrontEnd {
  readonly port: number;
  close(): Promise<void>;
}

export async function startGrpcFrontEnd(registries: readonly ResourceRegistry[], host: string, port: number, logger: Logger, security: GrpcSecurity = {}): Promise<GrpcFrontEnd> {
  const server = new grpc.Server({ ...GRPC_MESSAGE_OPTIONS, 'grpc.keepalive_permit_without_calls': 1 });
  const handlers = createApiserverHandlers(registries, logger);
  const definition = apiserverService().definition;
  const served = security.access === undefined ? handlers : guardGrpc(security.access, handlers, logger);
  server.addService(definition, served);
  // Every unary method also on the listener's fast path (unary-fast-path.ts): the same guarded handlers answer,
  // without grpc-js's interceptor chain, call objects and event hops. Watch, the one stream, stays with grpc-js.
  const routes = new Map<string, FastUnaryMethod>();
  addUnaryRoutes(routes, definition, served);
  const fast = { routes, limits: UNLIMITED };
  const listener: GrpcListener = security.tls === undefined ? await listenGrpc(server, host, port, undefined, fast) : await listenGrpcTls(server, host, port, security.tls, fast);
  return {
    port: listener.port,
    close: async () => {
      server.forceShutdown();
      await listener.close();
    },
  };
}

/** As GRPC_MESSAGE_OPTIONS: no size limit either way. */
const UNLIMITED: FastPathLimits = { maxReceiveBytes: -1, maxSendBytes: -1 };
