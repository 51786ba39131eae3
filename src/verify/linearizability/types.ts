// The history format and the model contract of the linearizability checker. A history is what clients saw:
// each operation's call and return times (any consistent unit), its input and its output. An operation whose
// outcome is unknown (timeout, lost connection) has no return: it may have taken effect at any point after
// its call, or never. One with a return but no output took effect before its return; its answer is unknown.

export interface Operation<I, O> {
  /** Ops of one client never overlap; only used for the timeline. */
  readonly clientId: number;
  readonly call: number;
  /** Absent: unknown outcome, pending forever (may or may not have taken effect). */
  readonly return?: number;
  readonly input: I;
  /** Absent: the answer is unknown (always so when return is absent). */
  readonly output?: O;
}

/**
 * A sequential specification. `step` must be a pure function of its arguments: the search calls it many
 * times on the same state. With an unknown output, `step` must accept any state (an op with an unknown
 * outcome can always be placed); the search relies on it to stop once every completed op is placed.
 */
export interface Model<S, I, O> {
  init(): S;
  /** The state after applying input with this output, or undefined when the output is impossible here. */
  step(state: S, input: I, output: O | undefined): S | undefined;
  /** A canonical string: equal strings mean equal states (memoization key). */
  stateKey(state: S): string;
  /** Why step refused; only called to build a counterexample. */
  explain(state: S, input: I, output: O | undefined): string;
  describeOperation(input: I, output: O | undefined): string;
  describeState(state: S): string;
  /**
   * Groups of op indices that touch disjoint parts of the state and can be checked independently
   * (P-compositionality). Absent: one group.
   */
  partition?(ops: readonly Operation<I, O>[]): number[][];
  /**
   * What each op may read or write, as resource names. Ops with disjoint footprints must commute, and one
   * whose answer is unknown must not change what the others accept beyond its footprint. Lets the search
   * skip unknown-outcome ops that cannot help the stuck candidates. Absent: every op may touch everything.
   */
  footprints?(ops: readonly Operation<I, O>[]): string[][];
  /** Read-only ops with an unknown outcome constrain nothing and are dropped before the search. */
  isReadOnly?(input: I): boolean;
  /** A label for a partition in reports, e.g. its keys. */
  describePartition?(ops: readonly Operation<I, O>[]): string;
}

export interface CheckOptions extends CheckBudget {
  /** History indices to leave out (e.g. unknown writes a patching step proved irrelevant). */
  readonly exclude?: ReadonlySet<number>;
  /**
   * An assumption about the system: an unknown-outcome op that takes effect does so within this long after
   * its call (in the history's time unit), or never. Default: unbounded. Bounding it keeps long histories
   * with many unknown outcomes tractable.
   */
  readonly unknownOutcomeWindow?: number;
}

export interface CheckBudget {
  /** Model steps over all partitions; default 5,000,000. */
  readonly maxSteps?: number;
  /** Wall-clock limit; needs `now` (the library never reads a clock itself). */
  readonly timeoutMs?: number;
  readonly now?: () => number;
}

export interface SearchStats {
  readonly operations: number;
  readonly partitions: number;
  readonly steps: number;
  readonly cacheEntries: number;
}

/** One placed op of the longest linearizable prefix, with the state after it. */
export interface PlacedOperation<I, O> {
  readonly index: number;
  readonly op: Operation<I, O>;
  readonly stateAfter: string;
}

export interface UnplaceableOperation<I, O> {
  readonly index: number;
  readonly op: Operation<I, O>;
  readonly reason: string;
}

export interface Counterexample<I, O> {
  /** Which partition failed, e.g. `keys "a"`. */
  readonly partition: string;
  /** Ops of the failing partition; indices below refer to the whole history. */
  readonly partitionSize: number;
  readonly prefix: readonly PlacedOperation<I, O>[];
  readonly stateAtStall: string;
  /** Every op that was a candidate after the prefix, and why it could not go next. */
  readonly unplaceable: readonly UnplaceableOperation<I, O>[];
  /** The op whose return came before any candidate could be placed. */
  readonly deadline: UnplaceableOperation<I, O>;
  /** Everything above as text, with an ASCII timeline. */
  readonly text: string;
}

export type CheckResult<I, O> =
  | { readonly verdict: 'ok'; readonly stats: SearchStats }
  | { readonly verdict: 'illegal'; readonly counterexample: Counterexample<I, O>; readonly stats: SearchStats }
  | { readonly verdict: 'unknown'; readonly reason: 'step-budget' | 'time-budget'; readonly stats: SearchStats };
