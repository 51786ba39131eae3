// `barque controller-manager`: every controller from src/agents/controllers/all-controllers.ts against the
// apiservers' gRPC front ends, leader-elected on the Lease kube-system/kube-controller-manager.
import { createLogger } from '../common/logger.ts';
import { ALL_CONTROLLERS } from '../agents/controllers/all-controllers.ts';
import { ControllerManager, parseControllerManagerFlags, type ControllerManagerFlags } from '../agents/controller-manager/index.ts';
import { FlagError } from '../common/cli-flags.ts';
import { credentialsFromFlag } from './component-credentials.ts';

const USAGE = `Usage: barque controller-manager --apiserver=HOST:PORT[,HOST:PORT...]   (the apiservers' gRPC addresses)
       [--kubeconfig=PATH]   (CA and client certificate or token for secure apiservers)
       [--leader-elect=true] [--leader-elect-lease-duration=15s] [--leader-elect-renew-deadline=10s]
       [--leader-elect-retry-period=2s] [--leader-elect-resource-namespace=kube-system]
       [--leader-elect-resource-name=kube-controller-manager] [--controllers=*,-name,...]
       [--concurrent-syncs=5] [--min-resync-period=12h] [--cronjob-sync-period=10s]
Controllers: ${ALL_CONTROLLERS.map((d) => d.name).join(', ')}
`;

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    const extra = ALL_CONTROLLERS.flatMap((d) => Object.entries(d.flags ?? {}).map(([n, v]) => `       [--${n}=${v}]`));
    process.stdout.write(USAGE + (extra.length > 0 ? `Controller flags:\n${extra.join('\n')}\n` : ''));
    return 0;
  }
  let flags: ControllerManagerFlags;
  try {
    flags = parseControllerManagerFlags(argv, ALL_CONTROLLERS);
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    process.stderr.write(`barque controller-manager: ${err.message}\n${USAGE}`);
    return 2;
  }
  const credentials = credentialsFromFlag('barque controller-manager', flags.kubeconfig);
  if (credentials === null) return 2;
  const logger = createLogger({ name: 'controller-manager' });
  let exit: (code: number) => void = () => {};
  const exited = new Promise<number>((resolve) => (exit = resolve));
  const manager = new ControllerManager({
    flags,
    logger,
    credentials,
    onLeading: () => process.stdout.write(`controller-manager ${manager.identity} leading\n`),
    onLostLeadership: () => exit(1),
  });
  process.stdout.write(`controller-manager ${manager.identity} started\n`);
  manager.start();
  const stop = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'shutting down');
    exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  const code = await exited;
  // Losing the lease: stop at once without releasing anything (another process may already lead).
  if (code === 0) await manager.stop();
  logger.flush();
  // Informer back-off timers or half-open channels must not keep a stopped controller-manager alive.
  process.exit(code);
}
