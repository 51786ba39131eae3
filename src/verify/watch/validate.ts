// Every watch property at once, and a readable report.

import { checkBookmarkable, checkPrevKv, checkReliable, checkValid } from './history-checks.ts';
import { checkResumable } from './resumable.ts';
import { checkAtomic, checkFilters, checkOrdered, checkUnique, watchName } from './stream-checks.ts';
import type { RecordedWatch, RevisionRecord, WatchProperty, WatchViolation } from './types.ts';
import { WriteHistory } from './write-history.ts';

export interface ValidateOptions {
  /** Default: all. */
  readonly properties?: readonly WatchProperty[];
}

export function validateWatches(records: readonly RevisionRecord[], watches: readonly RecordedWatch[], options: ValidateOptions = {}): WatchViolation[] {
  const history = new WriteHistory(records);
  const wanted = new Set<WatchProperty>(options.properties ?? ['ordered', 'unique', 'atomic', 'reliable', 'resumable', 'bookmarkable', 'prev-kv', 'filters', 'valid']);
  const violations: WatchViolation[] = [];
  watches.forEach((watch, i) => {
    const name = watchName(watch, i);
    if (wanted.has('ordered')) violations.push(...checkOrdered(watch, name));
    if (wanted.has('unique')) violations.push(...checkUnique(watch, name));
    if (wanted.has('atomic')) violations.push(...checkAtomic(watch, name, history));
    if (wanted.has('filters')) violations.push(...checkFilters(watch, name));
    if (wanted.has('valid')) violations.push(...checkValid(watch, name, history));
    if (wanted.has('reliable')) violations.push(...checkReliable(watch, name, history));
    if (wanted.has('bookmarkable')) violations.push(...checkBookmarkable(watch, name, history));
    if (wanted.has('prev-kv')) violations.push(...checkPrevKv(watch, name, history));
  });
  if (wanted.has('resumable')) violations.push(...checkResumable(watches));
  return violations;
}

export function formatWatchViolations(violations: readonly WatchViolation[], limit = 50): string {
  if (violations.length === 0) return 'All watch properties hold.';
  const lines = [`${violations.length} watch violation${violations.length > 1 ? 's' : ''}:`];
  for (const v of violations.slice(0, limit)) lines.push(`  [${v.property}] ${v.description}`);
  if (violations.length > limit) lines.push(`  ... and ${violations.length - limit} more`);
  return lines.join('\n');
}
