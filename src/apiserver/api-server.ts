// Puts the layers together: etcd client -> object store (+ compactor) -> one watch cache per resource -> registries
// -> HTTP (and gRPC), behind authentication and authorization when asked (auth/). Creates the system namespaces and
// the bootstrap RBAC policy at start, as kube-apiserver does.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { silentLogger, type Logger } from '../common/logger.ts';
import { createRequestHandler, upgradeResponse, BUILTIN_RESOURCES, ResourceRegistry, storagePrefix, SYSTEM_NAMESPACES, type HealthCheck, type ResourceDef } from './rest/index.ts';
import { Compactor, DEFAULT_COMPACTION_INTERVAL_MS, EtcdClient, LeaseManager, ObjectStore, type EtcdClientTls } from './storage/index.ts';
import { WatchCache } from './watch-cache/index.ts';
import { DEFAULT_SERVICE_CLUSTER_IP_RANGE, EtcdAllocationStore, parseCidr, ServiceAllocator } from './allocation/index.ts';
import { ApiError } from './rest/status.ts';
import { NamespaceFinalizer } from './deletion/index.ts';
import { RequestMetrics } from './metrics/index.ts';
import { EndpointReconciler } from './kubernetes-service/index.ts';
import { startGrpcFrontEnd, type GrpcFrontEnd } from './grpc/index.ts';
import { buildAccessControl, ensureBootstrapPolicy, guardHttp, type AccessControl, type AuthOptions, type TlsFiles } from './auth/index.ts';

export interface ApiServerOptions {
  etcdServers: readonly string[];
  /** TLS to https etcd servers (--etcd-cafile, --etcd-certfile, --etcd-keyfile). */
  etcdTls?: EtcdClientTls;
  bindAddress?: string;
  /** 0 picks a free port. */
  port?: number;
  logger?: Logger;
  /** 0 disables compaction. */
  compactionIntervalMs?: number;
  watchCacheCapacity?: number;
  bookmarkIntervalMs?: number;
  resources?: readonly ResourceDef[];
  /** Where services' cluster IPs come from (default 127.10.0.0/16). */
  serviceClusterIpRange?: string;
  /** Where NodePort and LoadBalancer services' node ports come from (default 30000-32767). */
  serviceNodePortRange?: string;
  /** The address other apiservers' clients reach this one at (the `kubernetes` Endpoints); default the bind address. */
  advertiseAddress?: string;
  /** The `kubernetes` endpoint reconciler: how often this apiserver renews its entry, and how long an entry lives. */
  endpointReconcilerIntervalMs?: number;
  endpointReconcilerTtlSeconds?: number;
  /** The gRPC front end's port (proto/apiserver.proto); 0 picks a free port, null serves no gRPC. */
  grpcPort?: number | null;
  /** HTTPS (and TLS on gRPC) with this serving certificate; the client CA enables client-certificate authentication. */
  tls?: TlsFiles;
  /** Authentication and authorization. Absent: none, every request allowed (the explicit plaintext --port mode). */
  auth?: AuthOptions;
  /** How long events live after their last write (kube-apiserver's --event-ttl, 1 h); 0 keeps them forever. */
  eventTtlSeconds?: number;
}

/** kube-apiserver's --event-ttl default. */
export const DEFAULT_EVENT_TTL_SECONDS = 3_600;

const START_ATTEMPTS_MAX = 60;
const START_RETRY_MS = 500;

export class ApiServer {
  /** Stops background work started after construction (namespace cleanup). */
  private readonly stopHooks: (() => void)[] = [];
  /** Keeps the `kubernetes` Service's endpoints on the live apiservers; removes this one on close. */
  private reconciler: EndpointReconciler | null = null;

  private constructor(
    private readonly http: Server,
    private readonly client: EtcdClient,
    private readonly caches: readonly WatchCache[],
    private readonly compactor: Compactor,
    readonly registries: readonly ResourceRegistry[],
    readonly url: string,
    private readonly grpc: GrpcFrontEnd | null,
    /** host:port of the gRPC front end, or null when it is off. */
    readonly grpcAddress: string | null,
  ) {}

  static async start(options: ApiServerOptions): Promise<ApiServer> {
    const logger = options.logger ?? silentLogger();
    const client = new EtcdClient({ endpoints: options.etcdServers, tls: options.etcdTls });
    const store = new ObjectStore(client);
    const defs = options.resources ?? BUILTIN_RESOURCES;
    const allocator = new ServiceAllocator(new EtcdAllocationStore(client), { clusterIpRange: options.serviceClusterIpRange, nodePortRange: options.serviceNodePortRange });
    const registries: ResourceRegistry[] = [];
    const caches: WatchCache[] = [];
    const eventTtlSeconds = Math.ceil(options.eventTtlSeconds ?? DEFAULT_EVENT_TTL_SECONDS);
    const eventLeases = new LeaseManager(client);
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
      if (def.group === '' && def.resource === 'services') registry.hooks = allocator.hooks();
      if (def.group === '' && def.resource === 'events' && eventTtlSeconds > 0) registry.lease = () => eventLeases.lease(eventTtlSeconds);
    }
    await waitForStore(store, logger);
    await ensureSystemNamespaces(byResource.get('namespaces'));
    await Promise.all(caches.map((c) => c.start()));
    await Promise.all(registries.map((r) => r.ensureBuiltinObjects(logger)));
    let access: AccessControl | undefined;
    if (options.auth !== undefined) {
      await ensureBootstrapPolicy(registries, logger);
      access = buildAccessControl(options.auth, registries);
    }
    const namespaceFinalizer = await startNamespaceFinalizer(byResource.get('namespaces'), registries, logger);
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
    const metrics = new RequestMetrics(() => performance.now());
    const handler = metrics.wrapHandler(createRequestHandler({
      registries,
      logger,
      serverAddress: () => address,
      livez: [pingCheck, etcdCheck],
      readyz: [pingCheck, etcdCheck, cacheCheck],
    }));
    const guarded = access === undefined ? handler : guardHttp(access, handler, logger);
    const tls = options.tls;
    // The client certificate is asked for, not required: token and anonymous requests come without one.
    const http: Server = tls === undefined
      ? createServer({ keepAliveTimeout: 65_000 }, guarded)
      : createHttpsServer({ keepAliveTimeout: 65_000, cert: tls.certPem, key: tls.keyPem, ca: tls.clientCaPem, requestCert: tls.clientCaPem !== undefined, rejectUnauthorized: false }, guarded);
    // Upgrades (kubectl exec, attach, port-forward) go through the same chain, on a response over their socket.
    http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => socket.destroy());
      guarded(req, upgradeResponse(req, socket, head));
    });
    const host = options.bindAddress ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(options.port ?? 0, host, () => resolve());
    });
    const port = (http.address() as AddressInfo).port;
    address = `${host}:${port}`;
    const grpc = options.grpcPort === null ? null : await startGrpcFrontEnd(registries, host, options.grpcPort ?? 0, logger, { tls, access });
    const grpcAddress = grpc === null ? null : `${host}:${grpc.port}`;
    logger.info({ address, grpcAddress, etcd: client.endpoints }, 'apiserver listening');
    const server = new ApiServer(http, client, caches, compactor, registries, `${tls === undefined ? 'http' : 'https'}://${address}`, grpc, grpcAddress);
    if (namespaceFinalizer !== null) server.stopHooks.push(() => namespaceFinalizer.stop());
    const find = (group: string, resource: string): ResourceRegistry | undefined => registries.find((r) => r.def.group === group && r.def.resource === resource);
    const advertised = options.advertiseAddress ?? (host === '0.0.0.0' ? '127.0.0.1' : host);
    server.reconciler = new EndpointReconciler({
      client,
      registry: find,
      self: { ip: advertised, port },
      clusterIP: parseCidr(options.serviceClusterIpRange ?? DEFAULT_SERVICE_CLUSTER_IP_RANGE).itemAt(0),
      intervalMs: options.endpointReconcilerIntervalMs,
      ttlSeconds: options.endpointReconcilerTtlSeconds,
      logger,
    });
    await server.reconciler.start();
    return server;
  }

  async close(): Promise<void> {
    await this.reconciler?.stop();
    for (const stop of this.stopHooks) stop();
    this.compactor.stop();
    await this.grpc?.close();
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

/** Empties and finalizes Terminating namespaces (no namespace controller yet), including those left from a restart. */
async function startNamespaceFinalizer(namespaces: ResourceRegistry | undefined, registries: readonly ResourceRegistry[], logger: Logger): Promise<NamespaceFinalizer | null> {
  if (namespaces === undefined) return null;
  const finalizer = new NamespaceFinalizer(() => registries, {
    get: async (name) => {
      try {
        return await namespaces.get('', name);
      } catch (err) {
        if (err instanceof ApiError && err.code === 404) return null;
        throw err;
      }
    },
    finalize: async (name, finalizers) => {
      await namespaces.update('', name, { apiVersion: 'v1', kind: 'Namespace', metadata: { name }, spec: { finalizers } }, 'finalize');
    },
  }, logger);
  namespaces.namespaceTerminating = (name) => finalizer.enqueue(name);
  for (const ns of (await namespaces.list('', {})).items) {
    if (ns.metadata?.deletionTimestamp !== undefined) finalizer.enqueue(ns.metadata.name ?? '');
  }
  return finalizer;
}
