// `barque etcd`: one store member with etcd's flags (see src/store/member/etcd-flags.ts). Exit codes as etcd: 2 for
// a bad command line, 1 for a start-up failure; SIGTERM/SIGINT shut down cleanly.
import { createLogger, type Logger } from '../common/logger.ts';
import {
  EtcdFlagError,
  etcdUsage,
  InitialClusterError,
  loadSideTls,
  parseEtcdFlags,
  TlsConfigError,
  unusedTlsWarnings,
  type EtcdConfig,
  type MemberTls,
  type TlsSide,
} from '../store/member/index.ts';
import { ConfigError, EtcdServer } from '../store/server/etcd-server.ts';
import { SERVED_ETCD_VERSION } from '../store/server/maintenance-service.ts';
import { barqueVersion } from './version-command.ts';
import { AutoCompactionConfigError, checkAutoCompaction } from '../store/server/auto-compactor.ts';
import { memoryBudgets, type MemoryBudgets } from '../store/member/memory-budgets.ts';

/** Node's process.arch in Go's GOARCH words. */
const GO_ARCH: Readonly<Record<string, string>> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm' };

const PINO_LEVELS: Readonly<Record<EtcdConfig['logLevel'], 'debug' | 'info' | 'warn' | 'error' | 'fatal'>> = {
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  error: 'error',
  panic: 'fatal',
  fatal: 'fatal',
};

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h') || argv.includes('-help')) {
    process.stdout.write(etcdUsage());
    return 0;
  }
  // As `etcd --version`: the etcd version whose API is served first (scripts parse that line), then ours.
  if (argv.includes('--version') || argv.includes('-version')) {
    process.stdout.write(
      `etcd Version: ${SERVED_ETCD_VERSION}\nGit SHA: Not provided (barque ${barqueVersion()})\nGo Version: none (Node.js ${process.version})\n` +
        `Go OS/Arch: ${process.platform}/${GO_ARCH[process.arch] ?? process.arch}\n`,
    );
    return 0;
  }
  let config: EtcdConfig;
  try {
    config = parseEtcdFlags(argv);
  } catch (err) {
    if (!(err instanceof EtcdFlagError)) throw err;
    process.stderr.write(err.exitCode === 2 ? `${err.message}\n${etcdUsage()}` : `${err.message}\n`);
    return err.exitCode;
  }
  const logger = createLogger({ name: 'etcd', level: PINO_LEVELS[config.logLevel] });
  let clientTls: MemberTls | undefined;
  let peerTls: MemberTls | undefined;
  try {
    peerTls = sideTls('peer', config, logger);
    clientTls = sideTls('client', config, logger);
    for (const warning of unusedTlsWarnings(config.listenClientUrls, config.listenPeerUrls, clientTls, peerTls)) logger.warn(warning);
  } catch (err) {
    if (!(err instanceof TlsConfigError)) throw err;
    process.stderr.write(`barque etcd: ${err.message}\n`);
    return 1;
  }
  try {
    checkAutoCompaction(config.autoCompactionMode, config.autoCompactionRetention);
  } catch (err) {
    if (!(err instanceof AutoCompactionConfigError)) throw err;
    process.stderr.write(`barque etcd: ${err.message}\n`);
    return 1;
  }
  let budgets: MemoryBudgets;
  try {
    budgets = memoryBudgets();
  } catch (err) {
    process.stderr.write(`barque etcd: ${(err as Error).message}\n`);
    return 1;
  }
  let server: EtcdServer;
  let requestStop: () => void = () => undefined;
  try {
    server = await EtcdServer.start({
      memoryBudgets: budgets,
      name: config.name,
      dataDir: config.dataDir,
      listenClientUrls: config.listenClientUrls,
      listenMetricsUrls: config.listenMetricsUrls,
      advertiseClientUrls: config.advertiseClientUrls,
      initialAdvertisePeerUrls: config.initialAdvertisePeerUrls,
      initialCluster: config.initialCluster,
      initialClusterToken: config.initialClusterToken,
      initialClusterState: config.initialClusterState,
      quotaBackendBytes: config.quotaBackendBytes,
      maxRequestBytes: config.maxRequestBytes,
      maxTxnOps: config.maxTxnOps,
      electionTimeoutMs: config.electionTimeoutMs,
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      listenPeerUrls: config.listenPeerUrls,
      snapshotCount: config.snapshotCount,
      progressNotifyMs: config.watchProgressNotifyIntervalMs,
      autoCompactionMode: config.autoCompactionMode,
      autoCompactionRetention: config.autoCompactionRetention,
      unsafeLocalReads: config.experimentalUnsafeLocalReads,
      authToken: config.authToken,
      authTokenTtlSeconds: config.authTokenTtlSeconds,
      bcryptCost: config.bcryptCost,
      clientTls,
      peerTls,
      logger,
      // As etcd: a member removed from the cluster stops.
      onRemoved: () => setImmediate(() => requestStop()),
    });
  } catch (err) {
    if (err instanceof ConfigError || err instanceof InitialClusterError || err instanceof AutoCompactionConfigError) {
      logger.fatal({ err: err.message }, 'invalid configuration');
      process.stderr.write(`barque etcd: ${err.message}\n`);
      logger.flush();
      return 1;
    }
    throw err;
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'shutting down');
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      void server.close().then(resolve, (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        resolve();
      });
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    requestStop = () => stop('SIGTERM');
  });
  logger.info('stopped');
  logger.flush();
  return 0;
}

/** One side's TLS, logging what etcd logs about auto TLS. */
function sideTls(side: TlsSide, config: EtcdConfig, logger: Logger): MemberTls | undefined {
  const [flags, urls] = side === 'client' ? [config.clientTls, config.listenClientUrls] : [config.peerTls, config.listenPeerUrls];
  const { tls, warning, selfSignedFiles } = loadSideTls(side, flags, config.dataDir, urls);
  if (warning !== undefined) logger.warn(warning);
  if (selfSignedFiles !== undefined) logger.info({ side, ...selfSignedFiles }, 'auto TLS: serving a self-signed certificate');
  return tls;
}
