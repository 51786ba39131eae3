// etcd's command-line flags (the subset barque serves), parsed as Go's flag package does: -flag or --flag,
// "=value" or the next argument (booleans only take "=value"), environment ETCD_<FLAG_NAME> below the flags.
// Defaults are etcd 3.4's.

import { bindUrlReason, hostUrlReason, splitUrlList, urlFlagReason } from './url-flags.ts';

export interface EtcdConfig {
  name: string;
  dataDir: string;
  listenClientUrls: string[];
  /** --listen-metrics-urls: extra listeners for /metrics and /health alone; none by default. */
  listenMetricsUrls: string[];
  advertiseClientUrls: string[];
  listenPeerUrls: string[];
  initialAdvertisePeerUrls: string[];
  initialCluster: string;
  initialClusterState: 'new' | 'existing';
  initialClusterToken: string;
  /** 0 = etcd's default (2 GiB); negative = no quota. */
  quotaBackendBytes: number;
  autoCompactionMode: 'periodic' | 'revision';
  autoCompactionRetention: string;
  maxRequestBytes: number;
  maxTxnOps: number;
  snapshotCount: number;
  heartbeatIntervalMs: number;
  electionTimeoutMs: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'panic' | 'fatal';
  /** Interval of progress notifications to watchers that asked for them. */
  watchProgressNotifyIntervalMs: number;
  /** --auth-token: "simple" (etcd's default) or "jwt,..." (refused at start: not built yet). */
  authToken: string;
  /** --auth-token-ttl: seconds a simple token lives after its last use. */
  authTokenTtlSeconds: number;
  /** --bcrypt-cost of password hashes. */
  bcryptCost: number;
  /** --cert-file, --key-file, --trusted-ca-file, --client-cert-auth, --auto-tls: TLS of the https client URLs. */
  clientTls: TlsFlags;
  /** The --peer-* counterparts: TLS of the https peer URLs, served and dialed. */
  peerTls: TlsFlags;
  /** Test-only, hidden: linearizable reads skip ReadIndex (so the Jepsen runner can show it catches stale reads). */
  experimentalUnsafeLocalReads: boolean;
}

/** Paths as given ('' = not set), as etcd's TLSInfo. */
export interface TlsFlags {
  certFile: string;
  keyFile: string;
  trustedCaFile: string;
  clientCertAuth: boolean;
  /** --auto-tls / --peer-auto-tls: a self-signed certificate when neither cert nor key file is given. */
  autoTls: boolean;
}

export class EtcdFlagError extends Error {
  constructor(
    message: string,
    /** 2 for a malformed command line (Go's flag package), 1 for values etcd rejects when verifying them. */
    readonly exitCode: 1 | 2 = 2,
  ) {
    super(message);
    this.name = 'EtcdFlagError';
  }
}

type FlagKind = 'string' | 'int' | 'bool' | 'list' | 'urls';

interface FlagSpec {
  kind: FlagKind;
  usage: string;
  /** Accepted for compatibility with etcd command lines; has no effect in barque. */
  ignored?: boolean;
  /** Left out of the usage text (test-only flags). */
  hidden?: boolean;
}

const FLAGS: Readonly<Record<string, FlagSpec>> = {
  name: { kind: 'string', usage: 'Human-readable name for this member.' },
  'data-dir': { kind: 'string', usage: 'Path to the data directory.' },
  'listen-client-urls': { kind: 'urls', usage: 'List of URLs to listen on for client traffic.' },
  'advertise-client-urls': { kind: 'urls', usage: "List of this member's client URLs to advertise to the public." },
  'listen-peer-urls': { kind: 'urls', usage: 'List of URLs to listen on for peer traffic.' },
  'listen-metrics-urls': { kind: 'urls', usage: 'List of URLs to listen on for the metrics and health endpoints.' },
  'initial-advertise-peer-urls': { kind: 'urls', usage: "List of this member's peer URLs to advertise to the rest of the cluster." },
  'initial-cluster': { kind: 'string', usage: 'Initial cluster configuration for bootstrapping.' },
  'initial-cluster-state': { kind: 'string', usage: "Initial cluster state ('new' or 'existing')." },
  'initial-cluster-token': { kind: 'string', usage: 'Initial cluster token for the etcd cluster during bootstrap.' },
  'quota-backend-bytes': { kind: 'int', usage: 'Raise alarms when backend size exceeds the given quota (0 defaults to low space quota).' },
  'auto-compaction-mode': { kind: 'string', usage: "Interpret 'auto-compaction-retention' one of: periodic|revision." },
  'auto-compaction-retention': { kind: 'string', usage: 'Auto compaction retention for mvcc key value store. 0 means disable auto compaction.' },
  'max-request-bytes': { kind: 'int', usage: 'Maximum client request size in bytes the server will accept.' },
  'max-txn-ops': { kind: 'int', usage: 'Maximum number of operations permitted in a transaction.' },
  'snapshot-count': { kind: 'int', usage: 'Number of committed transactions to trigger a snapshot to disk.' },
  'heartbeat-interval': { kind: 'int', usage: 'Time (in milliseconds) of a heartbeat interval.' },
  'election-timeout': { kind: 'int', usage: 'Time (in milliseconds) for an election to timeout.' },
  'experimental-watch-progress-notify-interval': {
    kind: 'string',
    usage: 'Duration of periodic watch progress notifications (a Go duration, e.g. 10m, 5s, 500ms).',
  },
  'experimental-unsafe-local-reads': { kind: 'bool', usage: 'Test only: serve linearizable reads locally, without ReadIndex (unsafe).', hidden: true },
  'auth-token': { kind: 'string', usage: "Specify auth token specific options ('simple' only; 'jwt,...' is not supported yet)." },
  'auth-token-ttl': { kind: 'int', usage: 'The lifetime in seconds of the auth token.' },
  'bcrypt-cost': { kind: 'int', usage: 'Specify bcrypt algorithm cost factor for auth password hashing.' },
  'cert-file': { kind: 'string', usage: 'Path to the client server TLS cert file.' },
  'key-file': { kind: 'string', usage: 'Path to the client server TLS key file.' },
  'client-cert-auth': { kind: 'bool', usage: 'Enable client cert authentication.' },
  'trusted-ca-file': { kind: 'string', usage: 'Path to the client server TLS trusted CA cert file.' },
  'peer-cert-file': { kind: 'string', usage: 'Path to the peer server TLS cert file.' },
  'peer-key-file': { kind: 'string', usage: 'Path to the peer server TLS key file.' },
  'peer-client-cert-auth': { kind: 'bool', usage: 'Enable peer client cert authentication.' },
  'peer-trusted-ca-file': { kind: 'string', usage: 'Path to the peer server TLS trusted CA file.' },
  'auto-tls': { kind: 'bool', usage: 'Client TLS with a self-signed certificate made under <data-dir>/fixtures/client, if --cert-file and --key-file are not given.' },
  'peer-auto-tls': { kind: 'bool', usage: 'Peer TLS with a self-signed certificate made under <data-dir>/fixtures/peer, if --peer-cert-file and --peer-key-file are not given.' },
  'log-level': { kind: 'string', usage: "Configures log level. Only supports debug, info, warn, error, panic, or fatal." },
  logger: { kind: 'string', usage: "Specify 'zap' or 'capnslog' (ignored: barque logs with pino).", ignored: true },
  'log-outputs': { kind: 'list', usage: 'Ignored: barque logs to stderr.', ignored: true },
  'enable-v2': { kind: 'bool', usage: 'Ignored: barque serves the v3 API only.', ignored: true },
  'strict-reconfig-check': { kind: 'bool', usage: 'Ignored until membership changes land.', ignored: true },
  'pre-vote': { kind: 'bool', usage: 'Ignored until replication lands.', ignored: true },
  // Common in etcd command lines (kubeadm's, etcd's own docs); accepted so those start, with no effect here.
  'max-snapshots': { kind: 'int', usage: 'Ignored: barque keeps only the snapshot it needs.', ignored: true },
  'max-wals': { kind: 'int', usage: 'Ignored: barque removes WAL segments a snapshot covers.', ignored: true },
  'enable-pprof': { kind: 'bool', usage: 'Ignored: no Go runtime to profile (barque bench kv --profile profiles members).', ignored: true },
  metrics: { kind: 'string', usage: "Ignored: /metrics serves barque's one set ('basic' or 'extensive' accepted).", ignored: true },
  'experimental-initial-corrupt-check': { kind: 'bool', usage: 'Ignored.', ignored: true },
  'grpc-keepalive-min-time': { kind: 'string', usage: 'Ignored: clients may ping every second.', ignored: true },
  'grpc-keepalive-interval': { kind: 'string', usage: 'Ignored.', ignored: true },
  'grpc-keepalive-timeout': { kind: 'string', usage: 'Ignored.', ignored: true },
  debug: { kind: 'bool', usage: 'Ignored: use --log-level=debug.', ignored: true },
};

export function etcdUsage(): string {
  const lines = Object.entries(FLAGS).filter(([, spec]) => spec.hidden !== true).map(([name, spec]) => `  --${name}\n\t${spec.usage}`);
  return `Usage:\n\n  barque etcd [flags]\n    Start an etcd-compatible store member.\n\nMember and clustering flags:\n${lines.join('\n')}\n`;
}

/** The environment variable etcd reads a flag from: ETCD_ and the name in capitals, dashes as underscores. */
function envName(flag: string): string {
  return `ETCD_${flag.toUpperCase().replace(/-/g, '_')}`;
}

/** etcd's upper bound on --election-timeout. */
const MAX_ELECTION_MS = 50_000;

const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'panic', 'fatal'];

/** Parses argv (after "etcd") and the environment. Throws EtcdFlagError with Go's wording on bad input. */
export function parseEtcdFlags(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): EtcdConfig {
  const values = new Map<string, string>();
  for (const [name, spec] of Object.entries(FLAGS)) {
    const fromEnv = env[envName(name)];
    if (fromEnv !== undefined) values.set(name, checkValue(name, spec, fromEnv, 'environment'));
  }
  const fromFlags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('-') || arg === '-' || arg === '--') throw new EtcdFlagError(`'${arg}' is not a valid flag`);
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const spec = FLAGS[name];
    if (spec === undefined) throw new EtcdFlagError(`flag provided but not defined: -${name}`);
    let value: string;
    if (eq >= 0) value = body.slice(eq + 1);
    else if (spec.kind === 'bool') value = 'true';
    else if (i + 1 < argv.length) value = argv[++i];
    else throw new EtcdFlagError(`flag needs an argument: -${name}`);
    values.set(name, checkValue(name, spec, value, 'flag'));
    fromFlags.add(name);
  }
  const get = (name: string, fallback: string) => values.get(name) ?? fallback;
  const urls = (name: string, fallback: string) => splitUrlList(get(name, fallback));
  const int = (name: string, fallback: number) => (values.has(name) ? Number(values.get(name)) : fallback);
  const bool = (name: string) => /^(1|t|true|TRUE|True)$/.test(get(name, 'false'));
  const tls = (prefix: '' | 'peer-'): TlsFlags => ({
    certFile: get(`${prefix}cert-file`, ''),
    keyFile: get(`${prefix}key-file`, ''),
    trustedCaFile: get(`${prefix}trusted-ca-file`, ''),
    clientCertAuth: bool(`${prefix}client-cert-auth`),
    autoTls: bool(`${prefix}auto-tls`),
  });

  const name = get('name', 'default');
  const initialAdvertisePeerUrls = urls('initial-advertise-peer-urls', 'http://localhost:2380');
  const listenClientUrls = urls('listen-client-urls', 'http://localhost:2379');
  const advertiseClientUrls = urls('advertise-client-urls', 'http://localhost:2379');
  const listenPeerUrls = urls('listen-peer-urls', 'http://localhost:2380');
  const listenMetricsUrls = urls('listen-metrics-urls', '');
  const state = get('initial-cluster-state', 'new');
  if (state !== 'new' && state !== 'existing') throw new EtcdFlagError(`invalid value "${state}" for flag -initial-cluster-state: invalid value`);
  const mode = get('auto-compaction-mode', 'periodic');
  const logLevel = get('log-level', 'info');
  if (!LOG_LEVELS.includes(logLevel)) throw new EtcdFlagError(`invalid value "${logLevel}" for flag -log-level`);
  const heartbeatIntervalMs = int('heartbeat-interval', 100);
  const electionTimeoutMs = int('election-timeout', 1000);
  // What etcd verifies once every flag is in, in its order (exit 1).
  const verify = (reason: string | null, hint = ''): void => {
    if (reason !== null) throw new EtcdFlagError(`error verifying flags, ${reason}. See 'etcd --help'.${hint}`, 1);
  };
  verify(bindUrlReason(listenPeerUrls));
  verify(bindUrlReason(listenClientUrls));
  verify(bindUrlReason(listenMetricsUrls));
  const hostReason = (flag: string, list: string[]): string | null => {
    const reason = hostUrlReason(list);
    return reason === null ? null : `--${flag} "${list.join(',')}" must be "host:port" (${reason})`;
  };
  verify(hostReason('initial-advertise-peer-urls', initialAdvertisePeerUrls));
  verify(hostReason('advertise-client-urls', advertiseClientUrls));
  if (heartbeatIntervalMs <= 0) verify(`--heartbeat-interval must be >0 (set to ${heartbeatIntervalMs}ms)`);
  if (electionTimeoutMs <= 0) verify(`--election-timeout must be >0 (set to ${electionTimeoutMs}ms)`);
  if (5 * heartbeatIntervalMs > electionTimeoutMs) {
    verify(`--election-timeout[${electionTimeoutMs}ms] should be at least as 5 times as --heartbeat-interval[${heartbeatIntervalMs}ms]`);
  }
  if (electionTimeoutMs > MAX_ELECTION_MS) verify(`--election-timeout[${electionTimeoutMs}ms] is too long, and should be set less than ${MAX_ELECTION_MS}ms`);
  if (mode !== 'periodic' && mode !== 'revision') verify(`unknown auto-compaction-mode "${mode}"`);
  if (values.has('listen-client-urls') && !values.has('advertise-client-urls')) {
    verify(
      '--advertise-client-urls is required when --listen-client-urls is set explicitly',
      '\nWhen listening on specific address(es), this etcd process must advertise accessible url(s) to each connected client.',
    );
  }
  return {
    name,
    dataDir: get('data-dir', `${name}.etcd`),
    listenClientUrls,
    listenMetricsUrls,
    advertiseClientUrls,
    listenPeerUrls,
    initialAdvertisePeerUrls,
    // Like etcd: without --initial-cluster, the member alone with its advertised peer URLs.
    initialCluster: get('initial-cluster', initialAdvertisePeerUrls.map((u) => `${name}=${u}`).join(',')),
    initialClusterState: state,
    initialClusterToken: get('initial-cluster-token', 'etcd-cluster'),
    quotaBackendBytes: int('quota-backend-bytes', 0),
    autoCompactionMode: mode as EtcdConfig['autoCompactionMode'],
    autoCompactionRetention: get('auto-compaction-retention', '0'),
    maxRequestBytes: int('max-request-bytes', 1.5 * 1024 * 1024),
    maxTxnOps: int('max-txn-ops', 128),
    snapshotCount: int('snapshot-count', 100_000),
    heartbeatIntervalMs,
    electionTimeoutMs,
    logLevel: logLevel as EtcdConfig['logLevel'],
    watchProgressNotifyIntervalMs: goDurationMs('experimental-watch-progress-notify-interval', get('experimental-watch-progress-notify-interval', '10m')),
    authToken: get('auth-token', 'simple'),
    authTokenTtlSeconds: int('auth-token-ttl', 300),
    bcryptCost: int('bcrypt-cost', 10),
    clientTls: tls(''),
    peerTls: tls('peer-'),
    experimentalUnsafeLocalReads: bool('experimental-unsafe-local-reads'),
  };
}

const DURATION_UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses a Go duration ("1h2m", "10m", "500ms"); a positive result is required, as etcd requires. */
export function goDurationMs(flag: string, value: string): number {
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  const consumed = parts.map((p) => p[0]).join('');
  if (parts.length === 0 || consumed !== value) throw new EtcdFlagError(`invalid value "${value}" for flag -${flag}: parse error`);
  const ms = parts.reduce((sum, p) => sum + Number(p[1]) * DURATION_UNIT_MS[p[2]], 0);
  if (!(ms > 0)) throw new EtcdFlagError(`invalid value "${value}" for flag -${flag}: must be positive`);
  return ms;
}

function checkValue(name: string, spec: FlagSpec, value: string, source: 'flag' | 'environment'): string {
  if (spec.kind === 'urls') {
    for (const url of splitUrlList(value)) {
      const reason = urlFlagReason(url);
      if (reason === null) continue;
      // Go's flag package for a flag (exit 2, with the usage); etcd's own check of ETCD_* variables (exit 1).
      if (source === 'flag') throw new EtcdFlagError(`invalid value "${value}" for flag -${name}: ${reason}`);
      throw new EtcdFlagError(`error verifying flags, invalid value "${value}" for ${envName(name)}: ${reason}. See 'etcd --help'.`, 1);
    }
  }
  if (spec.kind === 'int' && !/^-?\d+$/.test(value.trim())) {
    throw new EtcdFlagError(`invalid value "${value}" for ${source} -${name}: parse error`);
  }
  if (spec.kind === 'bool' && !/^(1|0|t|f|true|false|TRUE|FALSE|True|False)$/.test(value)) {
    throw new EtcdFlagError(`invalid boolean value "${value}" for -${name}: parse error`);
  }
  return spec.kind === 'int' ? value.trim() : value;
}
