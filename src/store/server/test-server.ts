// An in-process member on a free loopback port with a temporary data dir, plus grpc-js clients built from our
// protos, for tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { silentLogger } from '../../common/logger.ts';
import { loadEtcdProtos, type EtcdServiceName } from '../proto/index.ts';
import { EtcdServer, type EtcdServerOptions } from './etcd-server.ts';

export interface TestMember {
  server: EtcdServer;
  address: string;
  dataDir: string;
  client(service: EtcdServiceName): grpc.Client & Record<string, (...args: unknown[]) => unknown>;
  /** Calls a unary method; resolves with the response or rejects with the grpc ServiceError. */
  call<T = Record<string, unknown>>(service: EtcdServiceName, method: string, request: unknown, metadata?: grpc.Metadata): Promise<T>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestMember(overrides: Partial<EtcdServerOptions> = {}): Promise<TestMember> {
  const dataDir = overrides.dataDir ?? mkdtempSync(join(tmpdir(), 'barque-store-test-'));
  const options: EtcdServerOptions = {
    name: 'default',
    dataDir,
    listenClientUrls: ['http://127.0.0.1:0'],
    advertiseClientUrls: ['http://127.0.0.1:2379'],
    initialAdvertisePeerUrls: ['http://localhost:2380'],
    // Every member serves a Raft peer port; a free one, so that tests run side by side.
    listenPeerUrls: ['http://127.0.0.1:0'],
    initialCluster: 'default=http://localhost:2380',
    initialClusterToken: 'etcd-cluster',
    logger: silentLogger(),
    ...overrides,
  };
  let server = await EtcdServer.start(options);
  const clients = new Map<string, grpc.Client>();
  const protos = loadEtcdProtos();
  const member: TestMember = {
    server,
    dataDir,
    get address() {
      return `127.0.0.1:${server.ports[0]}`;
    },
    client(service) {
      let c = clients.get(service);
      if (c === undefined) {
        c = new protos.services[service].Client(member.address, grpc.credentials.createInsecure());
        clients.set(service, c);
      }
      return c as grpc.Client & Record<string, (...args: unknown[]) => unknown>;
    },
    call(service, method, request, metadata = new grpc.Metadata()) {
      const c = member.client(service);
      return new Promise((resolve, reject) => {
        c[method](request, metadata, (err: unknown, resp: unknown) => (err ? reject(err) : resolve(resp as never)));
      });
    },
    async restart() {
      for (const c of clients.values()) c.close();
      clients.clear();
      await server.close();
      server = await EtcdServer.start({ ...options, listenClientUrls: [`http://127.0.0.1:${server.ports[0]}`] });
      member.server = server;
    },
    async close() {
      for (const c of clients.values()) c.close();
      clients.clear();
      await server.close();
      if (overrides.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return member;
}
