// `barque apiserver`: the Kubernetes API, backed by etcd (real etcd or `barque etcd`).
//   --etcd-servers=URL[,URL...]   required; failover between them
//   --etcd-cafile, --etcd-certfile, --etcd-keyfile   TLS to https:// etcd servers (kube-apiserver's flags)
//   --bind-address=127.0.0.1
//   --secure-port=6443            HTTPS, with the TLS and authentication flags (apiserver-security.ts)
//   --port=N (--insecure-port)    plain HTTP, no authentication, everything allowed: an explicit choice for local
//                                 experiments, and the only listener when no TLS flag is given (0 = any free port)
//   --grpc-port=N                 the gRPC front end (proto/apiserver.proto); default REST port + 1, 0 = any free port
//   --write-kubeconfig=PATH       write a kubeconfig pointing at this server
//   --compaction-interval=5m      0 disables
//   --event-ttl=1h0m0s            how long events live after their last write (leases shared per minute); 0 = forever
//   --service-cluster-ip-range=127.10.0.0/16   --service-node-port-range=30000-32767
import { readFileSync } from 'node:fs';
import { parseDurationFlag } from '../common/duration-flag.ts';
import { createLogger } from '../common/logger.ts';
import type { EtcdClientTls } from '../apiserver/storage/index.ts';
import { ApiServer, writeKubeconfig } from '../apiserver/index.ts';
import { DEFAULT_SERVICE_CLUSTER_IP_RANGE, DEFAULT_SERVICE_NODE_PORT_RANGE, parseCidr, parsePortRange, RangeError } from '../apiserver/allocation/index.ts';
import { TokenFileError } from '../apiserver/auth/index.ts';
import { parseAuthorizationModes, resolveSecurity, SecurityFlagError, tlsRequested, type Security, type SecurityFlags } from './apiserver-security.ts';

const USAGE = `Usage: barque apiserver --etcd-servers=URL[,URL...] [--bind-address=127.0.0.1]
                        (--tls-cert-file=F --tls-private-key-file=F | --cert-dir=DIR) [--secure-port=6443]
                        [--client-ca-file=F] [--client-ca-key-file=F] [--token-auth-file=F]
                        [--authorization-mode=Node,RBAC] [--anonymous-auth=true]
                        | --port=8080   (plain HTTP, no authentication: local experiments only)
                        [--grpc-port=N] [--write-kubeconfig=PATH] [--compaction-interval=5m] [--event-ttl=1h0m0s]
                        [--etcd-cafile=F] [--etcd-certfile=F] [--etcd-keyfile=F]   (for https --etcd-servers)
                        [--service-cluster-ip-range=127.10.0.0/16] [--service-node-port-range=30000-32767]
                        [--advertise-address=IP] [--endpoint-reconciler-interval=10s] [--endpoint-reconciler-ttl=15s]
`;

interface Flags {
  etcdServers: string[];
  /** --etcd-cafile, --etcd-certfile, --etcd-keyfile: TLS to https etcd servers. */
  etcdTlsFiles?: { caFile?: string; certFile?: string; keyFile?: string };
  bindAddress: string;
  /** The REST port: --secure-port with TLS, else --port. */
  port: number;
  security: SecurityFlags;
  kubeconfig: string | null;
  compactionIntervalMs: number;
  /** --event-ttl, in seconds. */
  eventTtlSeconds?: number;
  serviceClusterIpRange: string;
  serviceNodePortRange: string;
  /** Unset: --port + 1 (a free port when --port=0). */
  grpcPort?: number;
  /** The `kubernetes` Service's endpoint for this apiserver, and how its entry is renewed and expires. */
  advertiseAddress?: string;
  endpointReconcilerIntervalMs?: number;
  endpointReconcilerTtlSeconds?: number;
}

class FlagError extends Error {}

const DEFAULT_SECURE_PORT = 6443;

function parseBool(name: string, v: string): boolean {
  if (v === 'true' || v === '') return true;
  if (v === 'false') return false;
  throw new FlagError(`invalid boolean "${v}" for --${name}`);
}

function parseDuration(text: string): number {
  const m = text.match(/^(\d+)(ms|s|m|h)?$/);
  if (m === null) throw new FlagError(`invalid duration "${text}"`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * unit;
}

/** Go's duration grammar ("1h0m0s"), as kube-apiserver's duration flags. */
function goDuration(text: string): number {
  try {
    return parseDurationFlag(text);
  } catch {
    throw new FlagError(`invalid duration "${text}"`);
  }
}

function parsePort(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) > 65535) throw new FlagError(`invalid port "${v}"`);
  return Number(v);
}

/** The gRPC port the flags ask for: --grpc-port, else the REST port + 1, else (REST on a free port) a free port. */
export function grpcPortOf(flags: Pick<Flags, 'port' | 'grpcPort'>): number {
  if (flags.grpcPort !== undefined) return flags.grpcPort;
  return flags.port === 0 || flags.port === 65535 ? 0 : flags.port + 1;
}

function checkedRange(text: string, parse: (t: string) => unknown): string {
  try {
    parse(text);
    return text;
  } catch (err) {
    if (err instanceof RangeError) throw new FlagError(err.message);
    throw err;
  }
}

export function parseApiserverFlags(argv: string[]): Flags {
  const flags: Flags = { etcdServers: [], bindAddress: '127.0.0.1', port: 8080, security: { anonymousAuth: true }, kubeconfig: null, compactionIntervalMs: 5 * 60_000, serviceClusterIpRange: DEFAULT_SERVICE_CLUSTER_IP_RANGE, serviceNodePortRange: DEFAULT_SERVICE_NODE_PORT_RANGE };
  let plainPort: number | undefined;
  let securePort: number | undefined;
  const sec = flags.security;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq >= 0) return arg.slice(eq + 1);
      const next = argv[++i];
      if (next === undefined) throw new FlagError(`flag needs an argument: ${name}`);
      return next;
    };
    switch (name.replace(/^--?/, '')) {
      case 'etcd-servers':
        flags.etcdServers = value().split(',').map((s) => s.trim()).filter((s) => s !== '');
        break;
      case 'etcd-cafile':
        (flags.etcdTlsFiles ??= {}).caFile = value();
        break;
      case 'etcd-certfile':
        (flags.etcdTlsFiles ??= {}).certFile = value();
        break;
      case 'etcd-keyfile':
        (flags.etcdTlsFiles ??= {}).keyFile = value();
        break;
      case 'bind-address':
        flags.bindAddress = value();
        break;
      case 'port':
      case 'insecure-port':
        plainPort = parsePort(value());
        break;
      case 'secure-port':
        securePort = parsePort(value());
        break;
      case 'tls-cert-file':
        sec.tlsCertFile = value();
        break;
      case 'tls-private-key-file':
        sec.tlsPrivateKeyFile = value();
        break;
      case 'client-ca-file':
        sec.clientCaFile = value();
        break;
      case 'client-ca-key-file':
        sec.clientCaKeyFile = value();
        break;
      case 'token-auth-file':
        sec.tokenAuthFile = value();
        break;
      case 'cert-dir':
        sec.certDir = value();
        break;
      case 'authorization-mode':
        try {
          sec.authorizationModes = parseAuthorizationModes(value());
        } catch (err) {
          throw new FlagError((err as Error).message);
        }
        break;
      case 'anonymous-auth':
        sec.anonymousAuth = parseBool('anonymous-auth', eq >= 0 ? arg.slice(eq + 1) : 'true');
        break;
      case 'grpc-port':
        flags.grpcPort = parsePort(value());
        break;
      case 'write-kubeconfig':
        flags.kubeconfig = value();
        break;
      case 'compaction-interval':
        flags.compactionIntervalMs = parseDuration(value());
        break;
      case 'event-ttl':
        flags.eventTtlSeconds = Math.ceil(goDuration(value()) / 1000);
        break;
      case 'service-cluster-ip-range':
        flags.serviceClusterIpRange = checkedRange(value(), parseCidr);
        break;
      case 'service-node-port-range':
        flags.serviceNodePortRange = checkedRange(value(), parsePortRange);
        break;
      case 'advertise-address':
        flags.advertiseAddress = value();
        break;
      case 'endpoint-reconciler-interval':
        flags.endpointReconcilerIntervalMs = parseDuration(value());
        break;
      case 'endpoint-reconciler-ttl':
        flags.endpointReconcilerTtlSeconds = Math.max(1, Math.ceil(parseDuration(value()) / 1000));
        break;
      default:
        throw new FlagError(`unknown flag: ${arg}`);
    }
  }
  if (flags.etcdServers.length === 0) throw new FlagError('--etcd-servers is required');
  if (tlsRequested(sec)) {
    if (plainPort !== undefined) throw new FlagError('--port serves plain HTTP without authentication; with TLS use --secure-port');
    flags.port = securePort ?? DEFAULT_SECURE_PORT;
  } else {
    if (plainPort === undefined) {
      throw new FlagError('no listener: give --tls-cert-file and --tls-private-key-file (or --cert-dir) for HTTPS, or an explicit --port for plain HTTP without authentication (local experiments)');
    }
    if (securePort !== undefined) throw new FlagError('--secure-port needs --tls-cert-file and --tls-private-key-file (or --cert-dir)');
    flags.port = plainPort;
  }
  return flags;
}

/** The PEMs of --etcd-cafile/--etcd-certfile/--etcd-keyfile; a client certificate needs its key. */
function readEtcdTls(files: Flags['etcdTlsFiles']): EtcdClientTls | undefined {
  if (files === undefined) return undefined;
  if ((files.certFile === undefined) !== (files.keyFile === undefined)) throw new Error('--etcd-certfile and --etcd-keyfile must be given together');
  const read = (path: string | undefined): string | undefined => (path === undefined ? undefined : readFileSync(path, 'utf8'));
  return { caPem: read(files.caFile), certPem: read(files.certFile), keyPem: read(files.keyFile) };
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  let flags: Flags;
  try {
    flags = parseApiserverFlags(argv);
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    process.stderr.write(`barque apiserver: ${err.message}\n${USAGE}`);
    return 2;
  }
  let etcdTls: EtcdClientTls | undefined;
  try {
    etcdTls = readEtcdTls(flags.etcdTlsFiles);
  } catch (err) {
    process.stderr.write(`barque apiserver: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  let security: Security;
  try {
    // The first service IP is the `kubernetes` service's, as in Kubernetes: the serving certificate names it too.
    security = resolveSecurity(flags.security, parseCidr(flags.serviceClusterIpRange).itemAt(0), flags.bindAddress);
  } catch (err) {
    if (!(err instanceof SecurityFlagError || err instanceof TokenFileError)) throw err;
    process.stderr.write(`barque apiserver: ${err.message}\n`);
    return 2;
  }
  const logger = createLogger({ name: 'apiserver' });
  let server: ApiServer;
  try {
    server = await ApiServer.start({
      etcdServers: flags.etcdServers,
      etcdTls,
      bindAddress: flags.bindAddress,
      port: flags.port,
      grpcPort: grpcPortOf(flags),
      compactionIntervalMs: flags.compactionIntervalMs,
      eventTtlSeconds: flags.eventTtlSeconds,
      serviceClusterIpRange: flags.serviceClusterIpRange,
      serviceNodePortRange: flags.serviceNodePortRange,
      advertiseAddress: flags.advertiseAddress,
      endpointReconcilerIntervalMs: flags.endpointReconcilerIntervalMs,
      endpointReconcilerTtlSeconds: flags.endpointReconcilerTtlSeconds,
      tls: security.tls,
      auth: security.auth,
      logger,
    });
  } catch (err) {
    logger.fatal({ err: String(err) }, 'apiserver failed to start');
    process.stderr.write(`barque apiserver: ${String(err)}\n`);
    logger.flush();
    return 1;
  }
  if (flags.kubeconfig !== null) writeKubeconfig(flags.kubeconfig, server.url, security.kubeconfig);
  // The gRPC line first: readers that wait for the REST line then have both.
  process.stdout.write(`apiserver grpc listening on ${server.grpcAddress ?? ''}\n`);
  process.stdout.write(`apiserver listening on ${server.url}\n`);
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      logger.info({ signal }, 'shutting down');
      resolve();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await server.close();
  logger.flush();
  return 0;
}
