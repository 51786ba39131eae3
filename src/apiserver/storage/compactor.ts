// Periodic compaction as kube-apiserver does it, so that several apiservers sharing one etcd compact once per
// interval between them: a Txn on the version of `compact_rev_key` elects the one that compacts, and what is
// compacted is the revision seen one interval earlier (one interval of history is always kept for watchers).
import type { Logger } from '../../common/logger.ts';
import type { EtcdClient } from './etcd-client.ts';

export const COMPACT_REV_KEY = 'compact_rev_key';
export const DEFAULT_COMPACTION_INTERVAL_MS = 5 * 60_000;

export class Compactor {
  /** The version of compact_rev_key we expect; whoever bumps it first in an interval compacts. */
  private expectedVersion = 0;
  /** The revision observed at the previous round: the next round compacts up to it. */
  private previousRevision = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly client: EtcdClient,
    private readonly logger: Logger,
    private readonly intervalMs = DEFAULT_COMPACTION_INTERVAL_MS,
  ) {}

  start(): void {
    if (this.intervalMs <= 0 || this.timer !== null) return;
    this.timer = setInterval(() => {
      this.round().catch((err: unknown) => this.logger.warn({ err: String(err) }, 'compaction round failed'));
    }, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** One round; returns the revision compacted, or 0 when this round did not compact. */
  async round(): Promise<number> {
    const key = Buffer.from(COMPACT_REV_KEY);
    const res = await this.client.txn(
      [{ key, target: 'version', version: this.expectedVersion }],
      [{ op: 'put', key, value: Buffer.from(String(this.previousRevision)) }],
      [{ op: 'range', key }],
    );
    const target = this.previousRevision;
    this.previousRevision = res.revision;
    if (!res.succeeded) {
      // Another apiserver won this interval; follow its count.
      this.expectedVersion = res.kvs[0]?.[0]?.version ?? 0;
      return 0;
    }
    this.expectedVersion += 1;
    if (target === 0) return 0; // nothing seen yet: never compact on the first round
    await this.client.compact(target);
    this.logger.info({ revision: target }, 'compacted');
    return target;
  }
}
