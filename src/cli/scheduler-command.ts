// `barque scheduler`: the pod scheduler against the apiserver's gRPC front end, leader-elected on the Lease
// kube-system/kube-scheduler so only one of several replicas schedules at a time. Losing the lease exits the
// process (status 1), as kube-scheduler does; SIGTERM stops scheduling and releases the lease.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { FlagError, forEachFlag, parseCommandFlags } from '../common/cli-flags.ts';
import { credentialsFromFlag } from './component-credentials.ts';
import { ApiClient, applyLeaderElectionFlag, checkLeaderElectionFlags, defaultLeaderElectionFlags, LeaderElector, LeaseLock, realClock, RESOURCES, type LeaderElectionFlags } from '../agents/client/index.ts';
import { DEFAULT_INITIAL_BACKOFF_MS, DEFAULT_MAX_BACKOFF_MS, DEFAULT_SCHEDULER_NAME, Scheduler } from '../agents/scheduler/index.ts';
import { createLogger } from '../common/logger.ts';

const USAGE = `Usage: barque scheduler --apiserver=HOST:PORT[,HOST:PORT...] [flags]
  --apiserver                          the apiservers' gRPC addresses (failover in order)
  --scheduler-name=default-scheduler   schedule pods whose spec.schedulerName is this
  --leader-elect=true                  elect a leader on a Lease before scheduling
  --leader-elect-lease-duration=15s    --leader-elect-renew-deadline=10s    --leader-elect-retry-period=2s
  --leader-elect-resource-namespace=kube-system   --leader-elect-resource-name=kube-scheduler
  --pod-initial-backoff-seconds=1      --pod-max-backoff-seconds=10
  --identity=HOSTNAME_UUID             this replica's name in the Lease
  --kubeconfig=PATH                    CA and client certificate or token for secure apiservers
`;

export interface SchedulerFlags extends LeaderElectionFlags {
  apiservers: string[];
  schedulerName: string;
  initialBackoffMs: number;
  maxBackoffMs: number;
  identity: string;
  /** Credentials for secure apiservers (CA, client certificate or token), from a kubeconfig. */
  kubeconfig: string | null;
}


export function parseSchedulerFlags(argv: string[]): SchedulerFlags {
  const flags: SchedulerFlags = {
    apiservers: [],
    schedulerName: DEFAULT_SCHEDULER_NAME,
    ...defaultLeaderElectionFlags('kube-scheduler'),
    initialBackoffMs: DEFAULT_INITIAL_BACKOFF_MS,
    maxBackoffMs: DEFAULT_MAX_BACKOFF_MS,
    identity: `${hostname()}_${randomUUID()}`,
    kubeconfig: null,
  };
  forEachFlag(argv, (flag) => {
    const { name, value } = flag;
    const seconds = (): number => {
      const v = value();
      if (!/^\d+$/.test(v)) throw new FlagError(`invalid seconds "${v}" for --${name}`);
      return Number(v) * 1000;
    };
    if (applyLeaderElectionFlag(flags, flag)) return;
    switch (name) {
      case 'apiserver':
        flags.apiservers = value().split(',').map((s) => s.trim()).filter((s) => s !== '');
        break;
      case 'scheduler-name':
        flags.schedulerName = value();
        break;
      case 'pod-initial-backoff-seconds':
        flags.initialBackoffMs = seconds();
        break;
      case 'pod-max-backoff-seconds':
        flags.maxBackoffMs = seconds();
        break;
      case 'identity':
        flags.identity = value();
        break;
      case 'kubeconfig':
        flags.kubeconfig = value();
        break;
      default:
        throw new FlagError(`unknown flag: --${name}`);
    }
  });
  if (flags.apiservers.length === 0) throw new FlagError('--apiserver is required');
  checkLeaderElectionFlags(flags);
  return flags;
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandFlags('barque scheduler', USAGE, argv, parseSchedulerFlags);
  if ('exitCode' in parsed) return parsed.exitCode;
  const flags: SchedulerFlags = parsed.flags;
  const credentials = credentialsFromFlag('barque scheduler', flags.kubeconfig);
  if (credentials === null) return 2;
  const logger = createLogger({ name: 'scheduler' });
  const api = new ApiClient({ endpoints: flags.apiservers, userAgent: 'barque-scheduler/v0.1', logger, ...credentials });
  const scheduler = new Scheduler({
    api,
    clock: realClock,
    rng: Math.random,
    logger,
    schedulerName: flags.schedulerName,
    queue: { initialBackoffMs: flags.initialBackoffMs, maxBackoffMs: flags.maxBackoffMs },
  });
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  let exitCode = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let elector: LeaderElector | null = null;
  if (flags.leaderElect) {
    elector = new LeaderElector({
      lock: new LeaseLock(api.resource(RESOURCES.leases), flags.leaseNamespace, flags.leaseName),
      identity: flags.identity,
      clock: realClock,
      leaseDurationMs: flags.leaseDurationMs,
      renewDeadlineMs: flags.renewDeadlineMs,
      retryPeriodMs: flags.retryPeriodMs,
      logger,
      callbacks: {
        onStartedLeading: () => {
          say(`scheduler leading as ${flags.identity}`);
          scheduler.start();
        },
        onStoppedLeading: () => {
          say(`scheduler stopped leading as ${flags.identity}`);
          if (!stopping) {
            logger.error('leader election lost');
            exitCode = 1;
          }
          finish();
        },
        onNewLeader: (id) => logger.info({ leader: id }, 'new leader observed'),
      },
    });
    say(`scheduler ${flags.identity} waiting for the lease ${flags.leaseNamespace}/${flags.leaseName}`);
    void elector.run().then(() => finish());
  } else {
    say(`scheduler running as ${flags.identity} (no leader election)`);
    scheduler.start();
  }
  let stopping = false;
  const onSignal = (): void => {
    stopping = true;
    finish();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  await finished;
  stopping = true;
  await scheduler.stop();
  await elector?.stop();
  api.close();
  logger.flush();
  say('scheduler stopped');
  return exitCode;
}
