// kube-controller-manager's and kube-scheduler's --leader-elect* flags, parsed and checked in one place for every
// leader-elected barque component.
import { FlagError, parseBoolFlag, type FlagCursor } from '../../common/cli-flags.ts';
import { parseDurationFlag } from '../../common/duration-flag.ts';
import { DEFAULT_LEASE_DURATION_MS, DEFAULT_RENEW_DEADLINE_MS, DEFAULT_RETRY_PERIOD_MS } from './leader-elector.ts';

export interface LeaderElectionFlags {
  leaderElect: boolean;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  leaseNamespace: string;
  leaseName: string;
}

/** Kubernetes' defaults, the Lease named after the component (kube-system/<leaseName>). */
export function defaultLeaderElectionFlags(leaseName: string): LeaderElectionFlags {
  return { leaderElect: true, leaseDurationMs: DEFAULT_LEASE_DURATION_MS, renewDeadlineMs: DEFAULT_RENEW_DEADLINE_MS, retryPeriodMs: DEFAULT_RETRY_PERIOD_MS, leaseNamespace: 'kube-system', leaseName };
}

/** Applies one flag when it is a leader-election flag; false when it is some other flag. */
export function applyLeaderElectionFlag(flags: LeaderElectionFlags, flag: FlagCursor): boolean {
  switch (flag.name) {
    case 'leader-elect':
      flags.leaderElect = parseBoolFlag(flag.inline ?? '', flag.name);
      return true;
    case 'leader-elect-lease-duration':
      flags.leaseDurationMs = parseDurationFlag(flag.value());
      return true;
    case 'leader-elect-renew-deadline':
      flags.renewDeadlineMs = parseDurationFlag(flag.value());
      return true;
    case 'leader-elect-retry-period':
      flags.retryPeriodMs = parseDurationFlag(flag.value());
      return true;
    case 'leader-elect-resource-namespace':
      flags.leaseNamespace = flag.value();
      return true;
    case 'leader-elect-resource-name':
      flags.leaseName = flag.value();
      return true;
    default:
      return false;
  }
}

/** The relations client-go's leader election insists on, checked before anything starts. */
export function checkLeaderElectionFlags(flags: LeaderElectionFlags): void {
  if (!flags.leaderElect) return;
  if (!(flags.leaseDurationMs > flags.renewDeadlineMs)) throw new FlagError('--leader-elect-lease-duration must be greater than --leader-elect-renew-deadline');
  if (!(flags.renewDeadlineMs > 1.2 * flags.retryPeriodMs)) throw new FlagError('--leader-elect-renew-deadline must be greater than 1.2 × --leader-elect-retry-period');
  if (flags.leaseDurationMs % 1000 !== 0) throw new FlagError('--leader-elect-lease-duration must be whole seconds');
}
