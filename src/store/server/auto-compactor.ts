// --auto-compaction-mode / --auto-compaction-retention, proposing Compact like any client would.
// revision: every 5 minutes, compact to (latest revision - retention).
// periodic: retention is a duration ("1" = 1 hour, or "30m", "90s", "2h"); the revision is sampled every tenth of
// it, and each tick compacts to the revision sampled one retention ago, so history older than that goes.
import type { ServerContext } from './context.ts';
import { isMvccError, MvccErrorCode } from '../mvcc/index.ts';

const REVISION_CHECK_MS = 5 * 60 * 1000;
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export class AutoCompactionConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AutoCompactionConfigError';
  }
}

export function parseRetentionMs(retention: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(retention.trim());
  // etcd's words: an integer is hours, anything else goes through Go's time.ParseDuration.
  if (m === null) throw new AutoCompactionConfigError(`error parsing CompactionRetention: time: invalid duration "${retention}"`);
  const n = Number(m[1]);
  return n * UNIT_MS[m[2] ?? 'h'];
}

/** Throws what startAutoCompactor would, before anything starts (etcd checks these before touching disk). */
export function checkAutoCompaction(mode: 'periodic' | 'revision', retention: string): void {
  if (mode === 'revision') {
    if (!/^\d+$/.test(retention.trim())) throw new AutoCompactionConfigError(`invalid auto-compaction-retention "${retention}" for revision mode`);
  } else {
    parseRetentionMs(retention);
  }
}

export interface AutoCompactor {
  stop(): void;
}

export function startAutoCompactor(ctx: ServerContext, mode: 'periodic' | 'revision', retention: string): AutoCompactor | undefined {
  checkAutoCompaction(mode, retention);
  if (mode === 'revision') {
    const keep = Number(retention);
    if (keep === 0) return undefined;
    const timer = setInterval(() => compactTo(ctx, ctx.store.revision - keep), REVISION_CHECK_MS);
    timer.unref();
    return { stop: () => clearInterval(timer) };
  }
  const retentionMs = parseRetentionMs(retention);
  if (retentionMs === 0) return undefined;
  const samples: number[] = [];
  const tickMs = Math.max(100, retentionMs / 10);
  const timer = setInterval(() => {
    samples.push(ctx.store.revision);
    if (samples.length > 11) samples.shift();
    if (samples.length === 11) compactTo(ctx, samples[0]);
  }, tickMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

function compactTo(ctx: ServerContext, revision: number): void {
  // As etcd: only the leader compacts (every member applies the compaction it proposes).
  if (ctx.proposer.leaderId !== ctx.memberId) return;
  if (revision <= ctx.store.compactRevision || revision <= 1) return;
  const body = ctx.codecs.type('etcdserverpb.CompactionRequest').encode({ revision: BigInt(revision) });
  ctx.proposer.propose({ kind: 'compaction', body }).then(
    (r) => {
      if (r.ok) ctx.logger.info({ revision }, 'auto compaction');
      else if (!isMvccError(r.error, MvccErrorCode.Compacted)) ctx.logger.warn({ err: r.error, revision }, 'auto compaction failed');
    },
    (err: unknown) => ctx.logger.warn({ err, revision }, 'auto compaction failed'),
  );
}
