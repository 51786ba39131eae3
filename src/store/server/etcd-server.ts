// One store member serving etcd's v3 gRPC API: opens the backend (MVCC, leases, alarms share one classic-level
// database), builds the applier chain and the proposer, serves the eight services, and runs the leader's lease
// expiry loop. Every member, a single one too, replicates through Raft (src/store/replication): WAL, peer gRPC
// server, RaftProposer; so a single member can grow into a cluster with etcdctl member add.
import { mkdirSync, readFileSync, writeFileSync, existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { addUnaryRoutes, listenGrpc, type FastUnaryMethod, type FastUnaryOptions, type GrpcListener, type ListenerTls } from '../../common/http2/index.ts';
import type { Logger } from '../../common/logger.ts';
import { etcdHttpHandler, etcdMetricsHandler } from './http-endpoints.ts';
import { listenMetrics, MetricsListenerError, type MetricsListener } from './metrics-listener.ts';
import { addStreamRoutes, type StreamRoute } from './grpc-gateway-stream.ts';
import { AlarmStore } from '../apply/alarms.ts';
import { BaseApplier, buildApplierChain } from '../apply/applier.ts';
import { EntryApplier } from '../apply/entry-applier.ts';
import { ServerError, ServerErrorCode } from '../apply/errors.ts';
import type { Wire } from '../apply/wire-convert.ts';
import { LeaseIdGenerator, Lessor, minLeaseTtlSeconds } from '../lease/index.ts';
import { channelCredentials, checkTlsUrls, checkUrl, isTlsUrl, listenHost, parseInitialCluster, TlsConfigError, type MemberTls } from '../member/index.ts';
import { MvccStore, type MvccDb } from '../mvcc/index.ts';
import { loadEtcdProtos } from '../proto/index.ts';
import { LeaderForwarder } from '../replication/leader-forwarder.ts';
import { fetchPeerMembers, type PeerMemberList } from '../replication/peer-members.ts';
import { startRaftMember, type InitialMember, type RaftMember } from '../replication/raft-member.ts';
import type { MemoryBudgets } from '../member/memory-budgets.ts';
import { WatchHub } from '../watch/index.ts';
import { authService } from './auth-service.ts';
import { AuthGate, AuthStore, checkAuthTokenOption, SimpleTokens } from '../auth/index.ts';
import { startAutoCompactor, type AutoCompactor } from './auto-compactor.ts';
import { BackendSize, backendQuota } from './backend-size.ts';
import { certificateNames, certificateUserOf, withCertificateUsers } from './certificate-users.ts';
import { clusterService } from './cluster-service.ts';
import type { ServerContext, SnapshotSource } from './context.ts';
import { openDurableDb } from './durable-db.ts';
import { etcdSnapshot } from './etcd-snapshot.ts';
import { electionService } from './election-service.ts';
import { kvService } from './kv-service.ts';
import { leaseService } from './lease-service.ts';
import { lockService } from './lock-service.ts';
import { maintenanceService } from './maintenance-service.ts';
import { toServiceError } from './grpc-errors.ts';
import { withRawRequests } from './raw-requests.ts';
import { DEFAULT_PROGRESS_NOTIFY_MS, watchService } from './watch-service.ts';

export interface EtcdServerOptions {
  /** What stays in memory beyond etcd's flags (src/store/member/memory-budgets.ts); the defaults when absent. */
  memoryBudgets?: MemoryBudgets;
  name: string;
  dataDir: string;
  listenClientUrls: string[];
  /** etcd's --listen-metrics-urls: plain HTTP(S) listeners for /metrics and /health alone (metrics-listener.ts). */
  listenMetricsUrls?: string[];
  advertiseClientUrls: string[];
  initialAdvertisePeerUrls: string[];
  initialCluster: string;
  initialClusterToken: string;
  /** 'existing' on a fresh data dir: the member list comes from the peers in --initial-cluster (etcd member add first). */
  initialClusterState?: 'new' | 'existing';
  quotaBackendBytes?: number;
  maxRequestBytes?: number;
  maxTxnOps?: number;
  electionTimeoutMs?: number;
  /** etcd's --listen-peer-urls: the Raft peer server of a multi-member cluster (the first URL). */
  listenPeerUrls?: string[];
  heartbeatIntervalMs?: number;
  /** Applied entries between two Raft snapshots (etcd's --snapshot-count). */
  snapshotCount?: number;
  autoCompactionMode?: 'periodic' | 'revision';
  autoCompactionRetention?: string;
  logger: Logger;
  /** How often the leader looks for expired leases (etcd: 500 ms). */
  leaseExpiryIntervalMs?: number;
  progressNotifyMs?: number;
  /** Called once this member learns it was removed from the cluster (etcd then stops). */
  onRemoved?: () => void;
  /** Test-only (--experimental-unsafe-local-reads): linearizable reads without ReadIndex. */
  unsafeLocalReads?: boolean;
  /** etcd's --auth-token: only "simple" is served (JWT tokens are refused at start). */
  authToken?: string;
  /** etcd's --auth-token-ttl: seconds a simple token lives after its last use (default 300). */
  authTokenTtlSeconds?: number;
  /** etcd's --bcrypt-cost for password hashes (default 10). */
  bcryptCost?: number;
  /** etcd's --cert-file/--key-file/--trusted-ca-file/--client-cert-auth or --auto-tls, served on https client URLs. */
  clientTls?: MemberTls;
  /** etcd's --peer-* TLS (files or --peer-auto-tls), served on https peer URLs and used to dial https peers. */
  peerTls?: MemberTls;
  /** Produces the backend file for Maintenance.Snapshot; etcd's bbolt layout by default. */
  snapshot?: (ctx: ServerContext) => Promise<SnapshotSource>;
}

/** gRPC may receive this much more than --max-request-bytes, so etcd's own error text reaches the client (as etcd). */
export const GRPC_OVERHEAD_BYTES = 512 * 1024;
const DEFAULT_MAX_REQUEST_BYTES = 1.5 * 1024 * 1024;

interface MemberIdentity {
  clusterId: string;
  memberId: string;
  name: string;
  peerUrls: string[];
  /** Every initial member (ids in hex); absent in data dirs of single members made before replication. */
  members?: Array<{ id: string; name: string; peerUrls: string[]; isLearner?: boolean }>;
  /** Joined an existing cluster (--initial-cluster-state existing): no bootstrap, the leader's snapshot brings the state. */
  join?: boolean;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export class EtcdServer {
  private expiryTimer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    readonly context: ServerContext,
    private readonly grpcServer: grpc.Server,
    private readonly listeners: GrpcListener[],
    private readonly metricsListeners: MetricsListener[],
    private readonly compactor: AutoCompactor | undefined,
    /** The store does not own a database it was handed: the member closes it. */
    private readonly db: MvccDb,
    private readonly closeForwarder: () => void = () => undefined,
  ) {}

  static async start(options: EtcdServerOptions): Promise<EtcdServer> {
    const tokenProblem = checkAuthTokenOption(options.authToken ?? 'simple');
    if (tokenProblem !== undefined) throw new ConfigError(tokenProblem);
    try {
      checkTlsUrls(options.listenClientUrls, options.listenPeerUrls ?? options.initialAdvertisePeerUrls, options.clientTls, options.peerTls);
    } catch (err) {
      if (err instanceof TlsConfigError) throw new ConfigError(err.message);
      throw err;
    }
    const identity = await bootstrapIdentity(options);
    const backendDir = join(options.dataDir, 'member', 'store');
    mkdirSync(backendDir, { recursive: true });
    const db = openDurableDb(backendDir);
    await db.open();
    let ctx: ServerContext;
    let closeForwarder: () => void;
    try {
      let ready: Promise<void>;
      ({ ctx, ready, closeForwarder } = await openMember(options, identity, db, backendDir));
      // As etcd: clients are served once the member has published its attributes through the log.
      await ready.catch(async (err: unknown) => {
        await ctx.proposer.close();
        ctx.hub.close();
        await ctx.store.close();
        throw err;
      });
    } catch (err) {
      await db.close();
      throw err;
    }
    const listeners: GrpcListener[] = [];
    const metricsListeners: MetricsListener[] = [];
    const client = grpcServer(ctx, options, certificateNames(listeners));
    const server = client.server;
    try {
      for (const url of options.listenClientUrls) listeners.push(await bind(client, url, options.clientTls));
      const metrics = etcdMetricsHandler(ctx);
      for (const url of options.listenMetricsUrls ?? []) metricsListeners.push(await listenMetrics(url, metrics, options.clientTls));
    } catch (err) {
      await Promise.all([...listeners, ...metricsListeners].map((l) => l.close()));
      server.forceShutdown();
      await ctx.proposer.close();
      ctx.hub.close();
      await ctx.store.close();
      await db.close();
      throw err instanceof MetricsListenerError ? new ConfigError(err.message) : err;
    }
    const compactor = startAutoCompactor(ctx, options.autoCompactionMode ?? 'periodic', options.autoCompactionRetention ?? '0');
    const member = new EtcdServer(ctx, server, listeners, metricsListeners, compactor, db, closeForwarder);
    member.startLeaseExpiry(options.leaseExpiryIntervalMs ?? 500);
    options.logger.info(
      {
        memberName: identity.name,
        memberId: identity.memberId,
        clusterId: identity.clusterId,
        clientUrls: options.listenClientUrls,
        revision: ctx.store.revision,
        appliedIndex: ctx.store.consistentIndex,
      },
      'serving client requests',
    );
    return member;
  }

  /** Only the leader expires leases, and only by proposing their revokes. */
  private startLeaseExpiry(intervalMs: number): void {
    const ctx = this.context;
    this.expiryTimer = setInterval(() => {
      for (const id of ctx.lessor.expired()) {
        const body = ctx.codecs.type('etcdserverpb.LeaseRevokeRequest').encode({ ID: id });
        ctx.proposer.propose({ kind: 'lease_revoke', body }).catch((err: unknown) => ctx.logger.warn({ err, lease: id.toString(16) }, 'lease revoke failed'));
      }
      for (const cp of ctx.lessor.dueCheckpoints()) {
        const body = ctx.codecs.type('etcdserverpb.LeaseCheckpointRequest').encode({ checkpoints: [{ ID: cp.id, remaining_TTL: BigInt(cp.remainingTtl) }] });
        ctx.proposer.propose({ kind: 'lease_checkpoint', body }).catch(() => undefined);
      }
    }, intervalMs);
    this.expiryTimer.unref();
  }

  /** Bound client ports, in --listen-client-urls order. */
  get ports(): number[] {
    return this.listeners.map((l) => l.port);
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    clearInterval(this.expiryTimer);
    this.compactor?.stop();
    // Watch streams stay open until the server or the client ends them (even half-closed ones): end them first.
    this.context.hub.close();
    const listenersClosed = Promise.all([...this.listeners, ...this.metricsListeners].map((l) => l.close()));
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => this.grpcServer.forceShutdown(), 2000);
      this.grpcServer.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
    await listenersClosed;
    this.closeForwarder();
    await this.context.proposer.close();
    this.context.hub.close();
    await this.context.store.close();
    await this.db.close();
  }
}

/** Leases, MVCC and alarms over the one database; the applier chain, the proposer and the watch hub above them. */
async function openMember(
  options: EtcdServerOptions,
  identity: MemberIdentity,
  db: MvccDb,
  backendDir: string,
): Promise<{ ctx: ServerContext; ready: Promise<void>; closeForwarder: () => void }> {
  const log = options.logger;
  const memberId = BigInt(`0x${identity.memberId}`);
  const maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const maxTxnOps = options.maxTxnOps ?? 128;
  const electionTimeoutMs = options.electionTimeoutMs ?? 1000;
  const lessor = await Lessor.open(db, { clock: { now: () => performance.now() }, minTtlSeconds: minLeaseTtlSeconds(electionTimeoutMs) });
  // Durability is the Raft WAL's (fsynced every cycle, also for a single member): after a crash the store
  // replays from its applied index, or restores the Raft snapshot, so its own batches need no second fsync (etcd
  // commits bbolt in the background likewise).
  const store = await MvccStore.open(db, {
    logger: log,
    maxTxnOps,
    leaseExists: (id) => lessor.has(id),
    syncWrites: false,
    nextTurn: () => new Promise((resolve) => setImmediate(resolve)),
    residentValueBytes: options.memoryBudgets?.residentValueBytes,
  });
  const alarms = await AlarmStore.open(db);
  const { codecs } = loadEtcdProtos();
  const tokens = new SimpleTokens({ now: () => performance.now() }, (options.authTokenTtlSeconds ?? 300) * 1000);
  const auth = await AuthStore.open(db, codecs, tokens);
  const size = new BackendSize(backendDir);
  const applier = buildApplierChain(new BaseApplier(store, lessor, alarms), backendQuota(size, options.quotaBackendBytes ?? 0), alarms);
  const hub = new WatchHub(store, { maxResponseBytes: maxRequestBytes + GRPC_OVERHEAD_BYTES, logger: log });
  const initial: InitialMember[] =
    identity.members === undefined
      ? [{ id: memberId, name: identity.name, peerUrls: identity.peerUrls }]
      : identity.members.map((m) => ({ id: BigInt(`0x${m.id}`), name: m.name, peerUrls: m.peerUrls, isLearner: m.isLearner }));
  const replicated: RaftMember = await startRaftMember({
    dataDir: options.dataDir,
    residentEntryBytes: options.memoryBudgets?.residentEntryBytes,
    memberId,
    clusterId: BigInt(`0x${identity.clusterId}`),
    name: identity.name,
    members: initial,
    join: identity.join,
    onRemoved: options.onRemoved,
    unsafeLocalReads: options.unsafeLocalReads,
    peerTls: options.peerTls,
    listenPeerUrls: options.listenPeerUrls ?? options.initialAdvertisePeerUrls,
    advertiseClientUrls: options.advertiseClientUrls,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 100,
    electionTimeoutMs,
    snapshotCount: options.snapshotCount ?? 100_000,
    maxRequestBytes,
    applier: (onMemberAttributes) => new EntryApplier({ store, lessor, alarms, auth, applier, codecs, onMemberAttributes }),
    appliedIndex: () => store.consistentIndex,
    snapshot: () => store.snapshotData(),
    persist: () => store.sync(),
    restore: async (data) => {
      await store.restoreFrom(data);
      await lessor.reload(db);
      await alarms.reload(db);
      await auth.reload(db);
      hub.resync();
    },
    lessor,
    codecs,
    logger: log,
  });
  const forwarder = new LeaderForwarder(() => {
    const lead = replicated.proposer.leaderId;
    if (lead === 0n || lead === memberId) return undefined;
    return replicated.directory.list().find((m) => m.id === lead)?.clientUrls[0];
  }, (url) => channelCredentials(url, options.clientTls));
  const ctx: ServerContext = {
    store,
    lessor,
    leaseIds: new LeaseIdGenerator(memberId, { now: () => Date.now() }),
    alarms,
    proposer: replicated.proposer,
    hub,
    auth: new AuthGate(auth, {
      leaseKeys: (lease) => store.keysForLease(lease),
      bcryptCost: options.bcryptCost,
      certificateUser: options.clientTls?.clientCertAuth === true ? certificateUserOf : undefined,
    }),
    codecs,
    clusterId: BigInt(`0x${identity.clusterId}`),
    memberId,
    members: () => replicated.directory.list(),
    maxTxnOps,
    maxRequestBytes,
    logger: log,
    dbSizeBytes: () => size.bytes(),
    hasLeader: () => replicated.proposer.hasLeader,
    leaderLease: () => forwarder.leaseClient(),
    leaderCluster: () => forwarder.clusterClient(),
    membership: replicated.membership,
    isLearner: () => replicated.directory.get(memberId)?.isLearner === true,
    transferLeader: (to) => replicated.proposer.transferLeader(to),
    snapshot: () => (options.snapshot ?? etcdSnapshot)(ctx),
  };
  return { ctx, ready: replicated.published, closeForwarder: () => forwarder.close() };
}

interface ClientServer {
  server: grpc.Server;
  fast: FastUnaryOptions;
}

function grpcServer(ctx: ServerContext, options: EtcdServerOptions, certificateName: (peer: string) => string | undefined): ClientServer {
  const limits = { maxReceiveBytes: ctx.maxRequestBytes + GRPC_OVERHEAD_BYTES, maxSendBytes: 2 ** 31 - 1 };
  const fastRoutes = new Map<string, FastUnaryMethod>();
  const streamRoutes = new Map<string, StreamRoute>();
  const server = new grpc.Server({
    'grpc.max_receive_message_length': limits.maxReceiveBytes,
    'grpc.max_send_message_length': limits.maxSendBytes,
    // etcdctl pings every 2 s by default; clients must not be told off for it.
    'grpc.http2.min_ping_interval_without_data_ms': 1000,
    'grpc.keepalive_permit_without_calls': 1,
  });
  const s = loadEtcdProtos().services;
  // etcd takes a client certificate's CN as the user only with --client-cert-auth; otherwise no per-call cost.
  const withCertificates = (impl: grpc.UntypedServiceImplementation): grpc.UntypedServiceImplementation =>
    options.clientTls?.clientCertAuth === true ? withCertificateUsers(impl, certificateName) : impl;
  const add = (definition: grpc.ServiceDefinition, impl: grpc.UntypedServiceImplementation): void => {
    const served = learnerGuard(ctx, definition, withCertificates(impl));
    server.addService(definition, served);
    // Every unary method also goes on the fast path (unary-fast-path.ts); streams stay with grpc-js.
    addUnaryRoutes(fastRoutes, definition, served);
    // Streams for the gRPC gateway's JSON (grpc-gateway-stream.ts).
    addStreamRoutes(streamRoutes, definition, served);
  };
  add(withRawRequests(s.KV.definition), kvService(ctx));
  add(withRawRequests(s.Watch.definition), watchService(ctx, options.progressNotifyMs ?? DEFAULT_PROGRESS_NOTIFY_MS));
  add(withRawRequests(s.Lease.definition), leaseService(ctx));
  add(withRawRequests(s.Cluster.definition), clusterService(ctx));
  add(withRawRequests(s.Maintenance.definition), maintenanceService(ctx));
  add(withRawRequests(s.Auth.definition), authService(ctx));
  add(withRawRequests(s.Lock.definition), lockService(ctx));
  add(withRawRequests(s.Election.definition), electionService(ctx));
  // etcd's client port also answers /health, /version and /metrics over plain HTTP (http-endpoints.ts).
  return { server, fast: { routes: fastRoutes, limits, plainHttp: etcdHttpHandler(ctx, fastRoutes, streamRoutes) } };
}

/** As etcd's interceptors: a learner answers only Status and serializable Range ("rpc not supported for learner"). */
function learnerGuard(ctx: ServerContext, definition: grpc.ServiceDefinition, impl: grpc.UntypedServiceImplementation): grpc.UntypedServiceImplementation {
  const isLearner = ctx.isLearner;
  if (isLearner === undefined) return impl;
  const out: grpc.UntypedServiceImplementation = {};
  for (const [name, handler] of Object.entries(impl)) {
    const method = definition[name];
    if (method === undefined) {
      out[name] = handler;
      continue;
    }
    const refusal = (): Partial<grpc.ServiceError> => toServiceError(new ServerError(ServerErrorCode.NotSupportedForLearner));
    if (!method.requestStream && !method.responseStream) {
      const h = handler as grpc.handleUnaryCall<Wire, Wire>;
      out[name] = ((call: grpc.ServerUnaryCall<Wire, Wire>, callback: grpc.sendUnaryData<Wire>) => {
        const allowed = method.path.endsWith('/Status') || (method.path.endsWith('KV/Range') && call.request.serializable === true);
        if (isLearner() && !allowed) return callback(refusal() as grpc.ServiceError);
        return h(call, callback);
      }) as grpc.UntypedHandleCall;
    } else {
      const h = handler as (call: grpc.ServerWritableStream<Wire, Wire>) => void;
      out[name] = ((call: grpc.ServerWritableStream<Wire, Wire>) => {
        if (isLearner()) {
          call.emit('error', refusal());
          return;
        }
        h(call);
      }) as grpc.UntypedHandleCall;
    }
  }
  return out;
}

/**
 * Listens ourselves rather than with bindAsync: connections pass through the authority fix-up, which etcdctl's
 * per-endpoint commands need (src/common/http2/authority-fixup.ts).
 */
async function bind({ server, fast }: ClientServer, url: string, tls: ListenerTls | undefined): Promise<GrpcListener> {
  const u = checkUrl(url);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ConfigError(`listen URL ${url}: only http and https are supported`);
  const host = listenHost(u);
  // As etcd: certificate files are ignored on an http URL.
  return listenGrpc(server, host, u.port === '' ? 2379 : Number(u.port), isTlsUrl(url) ? tls : undefined, fast);
}

/** First start: IDs from the initial cluster and token, kept in the data dir; later starts read them back (as etcd). */
async function bootstrapIdentity(options: EtcdServerOptions): Promise<MemberIdentity> {
  const file = join(options.dataDir, 'member', 'identity.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as MemberIdentity;
  if (options.initialClusterState === 'existing') {
    const identity = await joinIdentity(options);
    mkdirSync(join(options.dataDir, 'member'), { recursive: true });
    writeFileSync(`${file}.tmp`, JSON.stringify(identity));
    renameSync(`${file}.tmp`, file);
    return identity;
  }
  const cluster = parseInitialCluster(options.initialCluster, options.initialClusterToken);
  const me = cluster.members.find((m) => m.name === options.name);
  if (me === undefined) throw new ConfigError(`couldn't find local name "${options.name}" in the initial cluster configuration`);
  const advertised = [...options.initialAdvertisePeerUrls].sort();
  if (advertised.join(',') !== me.peerUrls.join(',')) {
    throw new ConfigError(`--initial-cluster has ${me.peerUrls.join(',')} but missing from --initial-advertise-peer-urls=${advertised.join(',')}`);
  }
  const identity: MemberIdentity = {
    clusterId: cluster.clusterId.toString(16),
    memberId: me.id.toString(16),
    name: options.name,
    peerUrls: me.peerUrls,
    members: cluster.members.map((m) => ({ id: m.id.toString(16), name: m.name, peerUrls: m.peerUrls })),
  };
  mkdirSync(join(options.dataDir, 'member'), { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify(identity));
  renameSync(`${file}.tmp`, file);
  return identity;
}

/**
 * --initial-cluster-state existing on a fresh data dir: as etcd, the member list comes from the other members
 * named in --initial-cluster (over the peer port); this member is the one with our advertised peer URLs.
 */
async function joinIdentity(options: EtcdServerOptions): Promise<MemberIdentity> {
  const cluster = parseInitialCluster(options.initialCluster, options.initialClusterToken);
  const advertised = [...options.initialAdvertisePeerUrls].sort().join(',');
  const others = cluster.members.filter((m) => m.name !== options.name).flatMap((m) => m.peerUrls);
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    for (const url of others) {
      let list: PeerMemberList;
      try {
        list = await fetchPeerMembers(url, 2_000, channelCredentials(url, options.peerTls));
      } catch (err) {
        lastError = err;
        continue;
      }
      const me = list.members.find((m) => [...m.peerUrls].sort().join(',') === advertised);
      if (me === undefined) throw new ConfigError(`member with peer URLs ${advertised} has not been added to the cluster (etcdctl member add first)`);
      return {
        clusterId: list.clusterId,
        memberId: me.id,
        name: options.name,
        peerUrls: me.peerUrls,
        members: list.members.map((m) => ({ id: m.id, name: m.name, peerUrls: m.peerUrls, isLearner: m.isLearner })),
        join: true,
      };
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
  throw new ConfigError(`cannot fetch cluster info from peer urls: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
}
