// Puts the layers together: etcd client -> object store (+ compactor) -> one watch cache per resource -> registries
// -> HTTP. Creates the system namespaces at start, as kube-apiserver does.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentLogger, type Logger } from '../common/logger.ts';
import { createRequestHandler, CORE_RESOURCES, ResourceRegistry, storagePrefix, SYSTEM_NAMESPACES, type HealthCheck, type ResourceDef } from './rest/index.ts';
import { Compactor, DEFAULT_COMPACTION_INTERVAL_MS, EtcdClient, ObjectStore } from './storage/index.ts';
import { WatchCache } from './watch-cache/index.ts';
import { ApiError } from './rest/status.ts';

export interface ApiServerOptions {
  etcdServers: readonly string[];
  bindAddress?: string;
  /** 0 picks a free port. */
  port?: number;
  logger?: Logger;
  /** 0 disables compaction. */
  compactionIntervalMs?: number;
  watchCacheCapacity?: number;
  bookmarkIntervalMs?: number;
  resources?: readonly ResourceDef[];
}

const START_ATTEMPTS_MAX = 60;
const START_RETRY_MS = 500;

export class ApiServer {
  private constructor(
    private readonly http: Server,
    private readonly client: EtcdClient,
    private readonly caches: readonly WatchCache[],
    private readonly compactor: Compactor,
    readonly registries: readonly ResourceRegistry[],
    readonly url: string,
  ) {}

  static async start(options: ApiServerOptions): Promise<ApiServer> {
    const logger = options.logger ?? silentLogger();
    const client = new EtcdClient({ endpoints: options.etcdServers });
    const store = new ObjectStore(client);
    const defs = options.resources ?? CORE_RESOURCES;
    const registries: ResourceRegistry[] = [];
    const caches: WatchCache[] = [];
    const byResource = new Map<string, ResourceRegistry>();
    for (const def of defs) {
      const cache = new WatchCache({
        store,
        prefix: storagePrefix(def),
        logger,
        capacity: options.watchCacheCapacity,
        bookmarkIntervalMs: options.bookmarkIntervalMs,
      });
      const registry = new ResourceRegistry(def, store, cache, (r) => byResource.get(r), () => registries);
      caches.push(cache);
      registries.push(registry);
      if (def.group === '') byResource.set(def.resource, registry);
    }
    await waitForStore(store, logger);
    await ensureSystemNamespaces(byResource.get('namespaces'));
    await Promise.all(caches.map((c) => c.start()));
    const compactor = new Compactor(client, logger, options.compactionIntervalMs ?? DEFAULT_COMPACTION_INTERVAL_MS);
    compactor.start();

    const etcdCheck: HealthCheck = { name: 'etcd', check: async () => void (await store.currentRevision()) };
    const pingCheck: HealthCheck = { name: 'ping', check: async () => {} };
    const cacheCheck: HealthCheck = {
      name: 'informer-sync',
      check: async () => {
        if (!caches.every((c) => c.ready)) throw new Error('watch caches not ready');
      },
    };
    let address = '';
    const http = createServer(
      { keepAliveTimeout: 65_000 },
      createRequestHandler({
        registries,
        logger,
        serverAddress: () => address,
        livez: [pingCheck, etcdCheck],
        readyz: [pingCheck, etcdCheck, cacheCheck],
      }),
    );
    const host = options.bindAddress ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(options.port ?? 0, host, () => resolve());
    });
    const port = (http.address() as AddressInfo).port;
    address = `${host}:${port}`;
    logger.info({ address, etcd: client.endpoints }, 'apiserver listening');
    return new ApiServer(http, client, caches, compactor, registries, `http://${address}`);
  }

  async close(): Promise<void> {
    this.compactor.stop();
    for (const c of this.caches) c.stop();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.client.close();
  }
}

async function waitForStore(store: ObjectStore, logger: Logger): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await store.currentRevision();
      return;
    } catch (err) {
      if (attempt >= START_ATTEMPTS_MAX) throw new Error(`etcd not reachable: ${String(err)}`, { cause: err });
      logger.warn({ err: String(err) }, 'waiting for etcd');
      await new Promise((r) => setTimeout(r, START_RETRY_MS));
    }
  }
}

async function ensureSystemNamespaces(namespaces: ResourceRegistry | undefined): Promise<void> {
  if (namespaces === undefined) return;
  for (const name of SYSTEM_NAMESPACES) {
    try {
      await namespaces.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err;
    }
  }
}
