// `barque controller-manager` flags, kube-controller-manager's names where it has them. Durations as Go writes them
// (15s, 500ms, 1m30s).
import { FlagError, forEachFlag } from '../../common/cli-flags.ts';
import { parseDurationFlag } from '../../common/duration-flag.ts';
import { applyLeaderElectionFlag, checkLeaderElectionFlags, defaultLeaderElectionFlags, type LeaderElectionFlags } from '../client/leader-election-flags.ts';
import type { ControllerDescriptor } from '../controllers/common/controller-context.ts';

export interface ControllerManagerFlags extends LeaderElectionFlags {
  apiservers: string[];
  /** Credentials for secure apiservers (CA, client certificate or token), from a kubeconfig. */
  kubeconfig: string | null;
  /** Kubernetes' --controllers: "*" = all, "foo" = only foo, "-foo" = not foo. */
  controllers: string[];
  workers: number;
  resyncPeriodMs: number;
  cronJobSyncPeriodMs: number;
  /** Flags declared by controllers (ControllerDescriptor.flags), name → value. */
  extra: Record<string, string>;
}

/** Controllers' own duration flags take the same grammar as every other barque flag. */
export const parseDuration = parseDurationFlag;

export function parseControllerManagerFlags(argv: readonly string[], descriptors: readonly ControllerDescriptor[]): ControllerManagerFlags {
  const declared = new Map<string, string>();
  for (const d of descriptors) for (const [name, value] of Object.entries(d.flags ?? {})) declared.set(name, value);
  const flags: ControllerManagerFlags = {
    apiservers: [],
    kubeconfig: null,
    ...defaultLeaderElectionFlags('kube-controller-manager'),
    controllers: ['*'],
    workers: 5,
    resyncPeriodMs: 12 * 3_600_000,
    cronJobSyncPeriodMs: 10_000,
    extra: Object.fromEntries(declared),
  };
  forEachFlag(argv, (flag) => {
    const { name, value } = flag;
    if (applyLeaderElectionFlag(flags, flag)) return;
    switch (name) {
      case 'apiserver':
      case 'apiservers':
        flags.apiservers = value().split(',').map((s) => s.trim()).filter((s) => s !== '');
        break;
      case 'kubeconfig':
        flags.kubeconfig = value();
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
  checkLeaderElectionFlags(flags);
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
