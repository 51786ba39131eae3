// `barque apiserver`: the Kubernetes API over plain HTTP, backed by etcd (real etcd or `barque etcd`).
//   --etcd-servers=URL[,URL...]   required; failover between them
//   --bind-address=127.0.0.1      --port=8080 (0 = any free port)
//   --grpc-port=N                 the gRPC front end (proto/apiserver.proto); default --port + 1, 0 = any free port
//   --write-kubeconfig=PATH       write a kubeconfig pointing at this server
//   --compaction-interval=5m      0 disables
//   --service-cluster-ip-range=127.10.0.0/16   --service-node-port-range=30000-32767
import { createLogger } from '../common/logger.ts';
import { ApiServer, writeKubeconfig } from '../apiserver/index.ts';
import { DEFAULT_SERVICE_CLUSTER_IP_RANGE, DEFAULT_SERVICE_NODE_PORT_RANGE, parseCidr, parsePortRange, RangeError } from '../apiserver/allocation/index.ts';

const USAGE = `Usage: barque apiserver --etcd-servers=URL[,URL...] [--bind-address=127.0.0.1] [--port=8080]
                        [--grpc-port=8081] [--write-kubeconfig=PATH] [--compaction-interval=5m]
                        [--service-cluster-ip-range=127.10.0.0/16] [--service-node-port-range=30000-32767]
`;

interface Flags {
  etcdServers: string[];
  bindAddress: string;
  port: number;
  kubeconfig: string | null;
  compactionIntervalMs: number;
  serviceClusterIpRange: string;
  serviceNodePortRange: string;
  /** Unset: --port + 1 (a free port when --port=0). */
  grpcPort?: number;
}

class FlagError extends Error {}

function parseDuration(text: string): number {
  const m = text.match(/^(\d+)(ms|s|m|h)?$/);
  if (m === null) throw new FlagError(`invalid duration "${text}"`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * unit;
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
  const flags: Flags = { etcdServers: [], bindAddress: '127.0.0.1', port: 8080, kubeconfig: null, compactionIntervalMs: 5 * 60_000, serviceClusterIpRange: DEFAULT_SERVICE_CLUSTER_IP_RANGE, serviceNodePortRange: DEFAULT_SERVICE_NODE_PORT_RANGE };
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
      case 'bind-address':
        flags.bindAddress = value();
        break;
      case 'port':
      case 'insecure-port':
        flags.port = parsePort(value());
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
      case 'service-cluster-ip-range':
        flags.serviceClusterIpRange = checkedRange(value(), parseCidr);
        break;
      case 'service-node-port-range':
        flags.serviceNodePortRange = checkedRange(value(), parsePortRange);
        break;
      default:
        throw new FlagError(`unknown flag: ${arg}`);
    }
  }
  if (flags.etcdServers.length === 0) throw new FlagError('--etcd-servers is required');
  return flags;
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
  const logger = createLogger({ name: 'apiserver' });
  let server: ApiServer;
  try {
    server = await ApiServer.start({
      etcdServers: flags.etcdServers,
      bindAddress: flags.bindAddress,
      port: flags.port,
      grpcPort: grpcPortOf(flags),
      compactionIntervalMs: flags.compactionIntervalMs,
      serviceClusterIpRange: flags.serviceClusterIpRange,
      serviceNodePortRange: flags.serviceNodePortRange,
      logger,
    });
  } catch (err) {
    logger.fatal({ err: String(err) }, 'apiserver failed to start');
    process.stderr.write(`barque apiserver: ${String(err)}\n`);
    logger.flush();
    return 1;
  }
  if (flags.kubeconfig !== null) writeKubeconfig(flags.kubeconfig, server.url);
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
