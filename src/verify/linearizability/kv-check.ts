// One call for an etcd client history: the linearizability search over the KV model plus, when revisions are
// checked, the cross-key revision rules.

import { checkLinearizability } from './check.ts';
import { KvModel, type KvModelOptions } from './kv-model.ts';
import { checkRevisionOrder, type RevisionViolation } from './kv-revisions.ts';
import type { KvInput, KvOperation, KvOutput } from './kv-types.ts';
import type { CheckBudget, CheckResult } from './types.ts';
import { findPhantomReads, patchUnknownWrites, type PatchOptions, type PhantomRead } from './kv-patch.ts';

export interface KvCheckOptions extends KvModelOptions, PatchOptions {
  readonly budget?: CheckBudget;
}

export interface KvCheckResult {
  readonly verdict: 'ok' | 'illegal' | 'unknown';
  readonly linearizability: CheckResult<KvInput, KvOutput>;
  readonly revisionViolations: readonly RevisionViolation[];
  /** Reads of values nobody wrote: found before the search, which is then skipped. */
  readonly phantomReads: readonly PhantomRead[];
  /** A summary; on failure the counterexample and the revision violations. */
  readonly text: string;
}

const VIOLATIONS_SHOWN = 20;

export function checkKvHistory(history: readonly KvOperation[], options: KvCheckOptions = {}): KvCheckResult {
  const model = new KvModel(options);
  const patched = patchUnknownWrites(history, options);
  const phantomReads = findPhantomReads(history);
  // With a phantom read the history is illegal whatever the search says; an empty budget skips it.
  const budget = phantomReads.length > 0 ? { maxSteps: 0 } : options.budget;
  const linearizability = checkLinearizability(model, patched.history, {
    ...budget,
    exclude: patched.exclude,
    unknownOutcomeWindow: options.unknownOutcomeWindow,
  });
  const revisionViolations = model.revisions === 'off' ? [] : checkRevisionOrder(history);
  const illegal = linearizability.verdict === 'illegal' || revisionViolations.length > 0 || phantomReads.length > 0;
  const verdict = illegal ? 'illegal' : linearizability.verdict;
  const { stats } = linearizability;
  const lines = [
    `${verdict.toUpperCase()}: ${stats.operations} operations in ${stats.partitions} partition${stats.partitions === 1 ? '' : 's'}, ${stats.steps} steps, ` +
      `${stats.cacheEntries} configurations memoized (revisions: ${model.revisions}; unknown writes: ` +
      `${patched.bounded} bounded by a read of their value, ${patched.exclude.size} unobserved dropped).`,
  ];
  if (linearizability.verdict === 'illegal') lines.push(linearizability.counterexample.text);
  if (phantomReads.length > 0) {
    lines.push(`Reads of values never written (${phantomReads.length}); the search was skipped:`);
    for (const p of phantomReads.slice(0, VIOLATIONS_SHOWN)) lines.push(`  ${p.description}`);
  } else if (linearizability.verdict === 'unknown') lines.push(`Search stopped: ${linearizability.reason} exhausted.`);
  if (revisionViolations.length > 0) {
    lines.push(`Revision order violations (${revisionViolations.length}):`);
    for (const v of revisionViolations.slice(0, VIOLATIONS_SHOWN)) lines.push(`  ${v.kind}: ${v.description}`);
    if (revisionViolations.length > VIOLATIONS_SHOWN) lines.push(`  ... and ${revisionViolations.length - VIOLATIONS_SHOWN} more`);
  }
  return { verdict, linearizability, revisionViolations, phantomReads, text: lines.join('\n') };
}
