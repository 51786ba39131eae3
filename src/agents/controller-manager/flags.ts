// `barque controller-manager` flags, kube-controller-manager's names where it has them. Durations as Go writes them
// (15s, 500ms, 1m30s).
import { FlagError, forEachFlag } from '../../common/cli-flags.ts';
import { DEFAULT_LEASE_DURATION_MS, DEFAULT_RENEW_DEADLINE_MS, DEFAULT_RETRY_PERIOD_MS } from '../client/leader-elector.ts';
import type { ControllerDescriptor } from '../controllers/common/controller-context.ts';
import { parseDurationMs } from '../controllers/common/durations.ts';

export interface ControllerManagerFlags {
  apiservers: string[];
  /** Credentials for secure apiservers (CA, client certificate or token), from a kubeconfig. */
  kubeconfig: string | null;
  leaderElect: boolean;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  leaseNamespace: string;
  leaseName: string;
  /** Kubernetes' --controllers: "*" = all, "foo" = only foo, "-foo" = not foo. */
  controllers: string[];
  workers: number;
  resyncPeriodMs: number;
  cronJobSyncPeriodMs: number;
  /** Flags declared by controllers (ControllerDescriptor.flags), name → value. */
  extra: Record<string, string>;
}


export function parseDuration(text: string): number {
  try {
    return parseDurationMs(text);
  } catch (err) {
    throw new FlagError(err instanceof Error ? err.message : String(err));
  }
}

function parseBool(text: string): boolean {
  if (text === 'true' || text === '') return true;
  if (text === 'false') return false;
  throw new FlagError(`invalid boolean "${text}"`);
}

export function parseControllerManagerFlags(argv: readonly string[], descriptors: readonly ControllerDescriptor[]): ControllerManagerFlags {
  const declared = new Map<string, string>();
  for (const d of descriptors) for (const [name, value] of Object.entries(d.flags ?? {})) declared.set(name, value);
  const flags: ControllerManagerFlags = {
    apiservers: [],
    kubeconfig: null,
    leaderElect: true,
    leaseDurationMs: DEFAULT_LEASE_DURATION_MS,
    renewDeadlineMs: DEFAULT_RENEW_DEADLINE_MS,
    retryPeriodMs: DEFAULT_RETRY_PERIOD_MS,
    leaseNamespace: 'kube-system',
    leaseName: 'kube-controller-manager',
    controllers: ['*'],
    workers: 5,
    resyncPeriodMs: 12 * 3_600_000,
    cronJobSyncPeriodMs: 10_000,
    extra: Object.fromEntries(declared),
  };
  forEachFlag(argv, (flag) => {
    const { name, value } = flag;
    switch (name) {
      case 'apiserver':
      case 'apiservers':
        flags.apiservers = value().split(',').map((s) => s.trim()).filter((s) => s !== '');
        break;
      case 'kubeconfig':
        flags.kubeconfig = value();
        break;
      case 'leader-elect':
        flags.leaderElect = parseBool(flag.inline ?? '');
        break;
      case 'leader-elect-lease-duration':
        flags.leaseDurationMs = parseDuration(value());
        break;
      case 'leader-elect-renew-deadline':
        flags.renewDeadlineMs = parseDuration(value());
        break;
      case 'leader-elect-retry-period':
        flags.retryPeriodMs = parseDuration(value());
        break;
      case 'leader-elect-resource-namespace':
        flags.leaseNamespace = value();
        break;
      case 'leader-elect-resource-name':
        flags.leaseName = value();
        break;
      case 'controllers':
        flags.controllers = value().split(',').map((s) => s.trim()).filter((s) => s !== '');
        break;
      case 'concurrent-syncs':
        flags.workers = positiveInt(value(), name);
        break;
      case 'min-resync-period':
        flags.resyncPeriodMs = parseDuration(value());
        break;
      case 'cronjob-sync-period':
        flags.cronJobSyncPeriodMs = parseDuration(value());
        break;
      default:
        if (!declared.has(name)) throw new FlagError(`unknown flag: --${name}`);
        flags.extra[name] = value();
    }
  });
  if (flags.apiservers.length === 0) throw new FlagError('--apiserver is required');
  if (flags.leaderElect) {
    if (!(flags.leaseDurationMs > flags.renewDeadlineMs)) throw new FlagError('--leader-elect-lease-duration must be greater than --leader-elect-renew-deadline');
    if (!(flags.renewDeadlineMs > 1.2 * flags.retryPeriodMs)) throw new FlagError('--leader-elect-renew-deadline must be greater than 1.2 × --leader-elect-retry-period');
    if (flags.leaseDurationMs % 1000 !== 0) throw new FlagError('--leader-elect-lease-duration must be whole seconds');
  }
  const known = new Set(descriptors.map((d) => d.name));
  for (const c of flags.controllers) {
    const bare = c.replace(/^-/, '');
    if (bare !== '*' && !known.has(bare)) throw new FlagError(`unknown controller "${bare}" in --controllers (known: ${[...known].join(', ')})`);
  }
  return flags;
}

function positiveInt(text: string, name: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new FlagError(`--${name} must be a positive integer`);
  return Number(text);
}

/** Kubernetes' --controllers rule: named explicitly → on; "-name" → off; otherwise on when "*" is listed. */
export function isControllerEnabled(name: string, controllers: readonly string[]): boolean {
  if (controllers.includes(name)) return true;
  if (controllers.includes(`-${name}`)) return false;
  return controllers.includes('*');
}
