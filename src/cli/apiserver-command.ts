// `barque apiserver`: the Kubernetes API over plain HTTP, backed by etcd (real etcd or `barque etcd`).
//   --etcd-servers=URL[,URL...]   required; failover between them
//   --bind-address=127.0.0.1      --port=8080 (0 = any free port)
//   --write-kubeconfig=PATH       write a kubeconfig pointing at this server
//   --compaction-interval=5m      0 disables
import { createLogger } from '../common/logger.ts';
import { ApiServer, writeKubeconfig } from '../apiserver/index.ts';

const USAGE = `Usage: barque apiserver --etcd-servers=URL[,URL...] [--bind-address=127.0.0.1] [--port=8080]
                        [--write-kubeconfig=PATH] [--compaction-interval=5m]
`;

interface Flags {
  etcdServers: string[];
  bindAddress: string;
  port: number;
  kubeconfig: string | null;
  compactionIntervalMs: number;
}

class FlagError extends Error {}

function parseDuration(text: string): number {
  const m = text.match(/^(\d+)(ms|s|m|h)?$/);
  if (m === null) throw new FlagError(`invalid duration "${text}"`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * unit;
}

export function parseApiserverFlags(argv: string[]): Flags {
  const flags: Flags = { etcdServers: [], bindAddress: '127.0.0.1', port: 8080, kubeconfig: null, compactionIntervalMs: 5 * 60_000 };
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
      case 'insecure-port': {
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) > 65535) throw new FlagError(`invalid port "${v}"`);
        flags.port = Number(v);
        break;
      }
      case 'write-kubeconfig':
        flags.kubeconfig = value();
        break;
      case 'compaction-interval':
        flags.compactionIntervalMs = parseDuration(value());
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
      compactionIntervalMs: flags.compactionIntervalMs,
      logger,
    });
  } catch (err) {
    logger.fatal({ err: String(err) }, 'apiserver failed to start');
    process.stderr.write(`barque apiserver: ${String(err)}\n`);
    logger.flush();
    return 1;
  }
  if (flags.kubeconfig !== null) writeKubeconfig(flags.kubeconfig, server.url);
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
