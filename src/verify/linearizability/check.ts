// The checker's entry point: drop what constrains nothing, split the history into independent partitions
// when the model says how, search each, and report the first failure readably.

import { buildCounterexample } from './counterexample.ts';
import { Budget, search, type SearchOutcome } from './search.ts';
import type { CheckOptions, CheckResult, Model, Operation } from './types.ts';

const DEFAULT_MAX_STEPS = 5_000_000;
const CHAIN_LIMITS = [0, 1, 2, Infinity];

export function checkLinearizability<S, I, O>(
  model: Model<S, I, O>,
  history: readonly Operation<I, O>[],
  options: CheckOptions = {},
): CheckResult<I, O> {
  const budget = new Budget(options.maxSteps ?? DEFAULT_MAX_STEPS, options.timeoutMs, options.now);
  // A read whose answer nobody saw constrains nothing.
  const kept: number[] = [];
  history.forEach((op, i) => {
    if (options.exclude?.has(i)) return;
    if (op.output === undefined && model.isReadOnly?.(op.input)) return;
    kept.push(i);
  });
  const keptOps = kept.map((i) => history[i]);
  const groups = model.partition ? model.partition(keptOps) : [keptOps.map((_, i) => i)];
  // Small partitions first: a budget spent on a hard one should not hide a violation in an easy one.
  groups.sort((a, b) => a.length - b.length);
  let cacheEntries = 0;
  let unknown: 'step-budget' | 'time-budget' | undefined;
  for (const group of groups) {
    const globalIndex = group.map((local) => kept[local]);
    const ops = globalIndex.map((i) => history[i]);
    const outcome = searchDeepening(model, ops, budget, options.unknownOutcomeWindow ?? Infinity);
    cacheEntries += outcome.cacheEntries;
    const stats = () => ({ operations: history.length, partitions: groups.length, steps: budget.steps, cacheEntries });
    if (outcome.kind === 'illegal') {
      const label = model.describePartition?.(ops) ?? 'the whole history';
      return { verdict: 'illegal', counterexample: buildCounterexample(model, ops, globalIndex, label, outcome.stall), stats: stats() };
    }
    if (outcome.kind === 'unknown') {
      unknown = outcome.reason;
      // Once the budget is gone every later partition would stop at once; an illegal one cannot be found.
      break;
    }
  }
  const stats = { operations: history.length, partitions: groups.length, steps: budget.steps, cacheEntries };
  if (unknown !== undefined) return { verdict: 'unknown', reason: unknown, stats };
  return { verdict: 'ok', stats };
}

/**
 * Unknown-outcome ops multiply the search space: each may or may not have happened, anywhere after its
 * call, and the search explodes when it strings many of them together at one stuck point. Such chains are
 * rarely needed, so search with no chain first, then chains of one and two, and only then without a limit.
 * A phase's "ok" is final; so is its "illegal" when the limit cut nothing off. All phases share the budget.
 */
function searchDeepening<S, I, O>(model: Model<S, I, O>, ops: readonly Operation<I, O>[], budget: Budget, window: number): SearchOutcome<S> {
  let cacheEntries = 0;
  for (const limit of CHAIN_LIMITS) {
    const outcome = search(model, ops, budget, limit, window);
    cacheEntries += outcome.cacheEntries;
    if (outcome.kind !== 'illegal' || !outcome.pruned || limit === Infinity) return { ...outcome, cacheEntries };
  }
  throw new Error('unreachable: the last chain limit is unbounded');
}
