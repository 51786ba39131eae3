// Wing & Gong's search with Lowe's memoization, in the shape porcupine made popular: the history is a doubly
// linked list of call and return entries in time order; the search linearizes the earliest call that the
// model accepts, lifts it out of the list, and backtracks when it meets the return of an op it has not
// placed. A (placed-set, state) pair already explored is never explored again, which bounds the work by the
// number of distinct configurations instead of the number of interleavings.

import type { Model, Operation } from './types.ts';

interface Entry {
  readonly op: number;
  readonly isCall: boolean;
  readonly time: number;
  match: Entry | null;
  prev: Entry | null;
  next: Entry | null;
}

/** Shared by the partitions of one check, so the limits hold for the whole history. */
export class Budget {
  steps = 0;
  private readonly deadline: number | undefined;

  constructor(
    private readonly maxSteps: number,
    timeoutMs: number | undefined,
    private readonly now: (() => number) | undefined,
  ) {
    this.deadline = timeoutMs !== undefined && now !== undefined ? now() + timeoutMs : undefined;
  }

  /** Counts one step; returns why the search must stop, if it must. */
  spend(): 'step-budget' | 'time-budget' | undefined {
    this.steps++;
    if (this.steps > this.maxSteps) return 'step-budget';
    // Reading the clock costs more than a step: look every 4,096 steps.
    if (this.deadline !== undefined && (this.steps & 4095) === 0 && this.now!() > this.deadline) return 'time-budget';
    return undefined;
  }
}

/** Where the search got furthest before it had to give up on every branch. */
export interface Stall<S> {
  /** Local op indices in linearization order. */
  readonly order: readonly number[];
  /** statesAfter[k] is the state after order[k]. */
  readonly statesAfter: readonly S[];
  readonly state: S;
  /** Local indices of the unplaced ops whose call came before `deadline`'s return. */
  readonly candidates: readonly number[];
  /** The unplaced op whose return ended this branch. */
  readonly deadline: number;
}

export type SearchOutcome<S> =
  | { readonly kind: 'ok'; readonly cacheEntries: number }
  /** pruned: the chain limit cut some branch off, so the verdict is not final. */
  | { readonly kind: 'illegal'; readonly stall: Stall<S>; readonly cacheEntries: number; readonly pruned: boolean }
  | { readonly kind: 'unknown'; readonly reason: 'step-budget' | 'time-budget'; readonly cacheEntries: number };

/** No return: it may take effect at any point after its call, or never. */
export function isPending(op: Operation<unknown, unknown>): boolean {
  return op.return === undefined;
}

function buildList(ops: readonly Operation<unknown, unknown>[]): Entry {
  const entries: Entry[] = [];
  ops.forEach((op, i) => {
    const returnTime = isPending(op) ? Infinity : op.return!;
    if (!(returnTime >= op.call)) throw new Error(`operation ${i} returns (${op.return}) before its call (${op.call})`);
    const call: Entry = { op: i, isCall: true, time: op.call, match: null, prev: null, next: null };
    const ret: Entry = { op: i, isCall: false, time: returnTime, match: null, prev: null, next: null };
    call.match = ret;
    entries.push(call, ret);
  });
  // Equal times count as overlapping: a call sorts before a return at the same instant.
  entries.sort((a, b) => a.time - b.time || Number(b.isCall) - Number(a.isCall) || a.op - b.op);
  const head: Entry = { op: -1, isCall: false, time: -Infinity, match: null, prev: null, next: null };
  let last = head;
  for (const e of entries) {
    last.next = e;
    e.prev = last;
    last = e;
  }
  return head;
}

function lift(call: Entry): void {
  call.prev!.next = call.next;
  if (call.next) call.next.prev = call.prev;
  const ret = call.match!;
  ret.prev!.next = ret.next;
  if (ret.next) ret.next.prev = ret.prev;
}

function unlift(call: Entry): void {
  const ret = call.match!;
  ret.prev!.next = ret;
  if (ret.next) ret.next.prev = ret;
  call.prev!.next = call;
  if (call.next) call.next.prev = call;
}

/** murmur3's finalizer: spreads an index into a 32-bit Zobrist value. */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

class VisitedSet {
  private readonly buckets = new Map<string, Uint32Array[]>();
  size = 0;

  /** Adds the configuration; false when it was already there. */
  add(key: string, bits: Uint32Array): boolean {
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = [];
      this.buckets.set(key, bucket);
    }
    outer: for (const seen of bucket) {
      for (let w = 0; w < bits.length; w++) if (seen[w] !== bits[w]) continue outer;
      return false;
    }
    bucket.push(bits.slice());
    this.size++;
    return true;
  }
}

/**
 * pendingChainLimit: how many unknown-outcome ops may be placed in a row with nothing else between them.
 * Long chains are where the search space explodes, and they are rarely needed; the caller deepens.
 * pendingWindow: an unknown-outcome op that takes effect does so within this long after its call, so it
 * cannot follow an op called later than that.
 * One loop on purpose: the list surgery, the stack and the memo must stay in step.
 */
export function search<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly Operation<I, O>[],
  budget: Budget,
  pendingChainLimit = Infinity,
  pendingWindow = Infinity,
): SearchOutcome<S> {
  const head = buildList(ops);
  const pending = ops.map(isPending);
  // Any state accepts an op whose answer is unknown, so placing one early is a blind guess: defer them.
  const deferred = ops.map((op) => op.output === undefined);
  const zobristA = ops.map((_, i) => mix32(2 * i + 1));
  const zobristB = ops.map((_, i) => mix32(2 * i + 2));
  const placed = new Uint32Array(Math.ceil(ops.length / 32) || 1);
  const visited = new VisitedSet();
  const stack: Array<{ entry: Entry; stateBefore: S; pendingPass: boolean; chainBefore: number; latestCallBefore: number }> = [];
  let chain = 0;
  let latestCall = -Infinity;
  const expired = (i: number): boolean => ops[i].call + pendingWindow < latestCall;
  let pruned = false;
  let hashA = 0;
  let hashB = 0;
  let state = model.init();
  // Unknown-outcome ops can always go last, so the search is done once every completed op is placed.
  const completedCount = pending.filter((p) => !p).length;
  let unplacedCompleted = completedCount;
  let best: Stall<S> | undefined;
  let bestCompleted = -1;
  const footprints = model.footprints?.(ops);
  // Which unknown-outcome ops may help at the current stuck point; recomputed whenever the list changes.
  let relevant: Uint8Array | null = null;

  const toggle = (i: number): void => {
    placed[i >>> 5] ^= 1 << (i & 31);
    hashA ^= zobristA[i];
    hashB ^= zobristB[i];
  };

  // Each level tries the ops with a known answer first, and those without one (unknown outcome, or unknown
  // answer) only when the others are stuck: an op that may never have happened is placed only where
  // something needs it.
  let entry = head.next;
  let pendingPass = false;
  while (unplacedCompleted > 0) {
    if (entry === null) throw new Error('linearizability search ran off its list (a completed op lost its return)');
    if (entry.isCall) {
      const i = entry.op;
      if (deferred[i] !== pendingPass) {
        entry = entry.next;
        continue;
      }
      if (pendingPass && pending[i]) {
        if (expired(i)) {
          entry = entry.next;
          continue;
        }
        if (footprints) {
          relevant ??= relevantPending(head, pending, footprints, expired);
          if (!relevant[i]) {
            entry = entry.next;
            continue;
          }
        }
        if (chain >= pendingChainLimit) {
          pruned = true;
          entry = entry.next;
          continue;
        }
      }
      const stopped = budget.spend();
      if (stopped) return { kind: 'unknown', reason: stopped, cacheEntries: visited.size };
      const next = model.step(state, ops[i].input, ops[i].output);
      if (next !== undefined) {
        toggle(i);
        if (visited.add(`${hashA}.${hashB}|${model.stateKey(next)}`, placed)) {
          stack.push({ entry, stateBefore: state, pendingPass, chainBefore: chain, latestCallBefore: latestCall });
          latestCall = Math.max(latestCall, ops[i].call);
          chain = pending[i] ? chain + 1 : 0;
          state = next;
          lift(entry);
          relevant = null;
          if (!pending[i]) unplacedCompleted--;
          entry = head.next;
          pendingPass = false;
          continue;
        }
        toggle(i);
      }
      entry = entry.next;
      continue;
    }
    // The first return of an unplaced op: no candidate with a known answer fits; try the others.
    if (!pendingPass) {
      // Furthest = most ops with a known outcome placed, recorded before unknown-outcome ones add noise.
      if (best === undefined || completedCount - unplacedCompleted > bestCompleted) {
        best = snapshot(head, entry, stack, state);
        bestCompleted = completedCount - unplacedCompleted;
      }
      pendingPass = true;
      entry = head.next;
      continue;
    }
    // Nothing fits at all: undo the last placement.
    const top = stack.pop();
    if (top === undefined) return { kind: 'illegal', stall: best!, cacheEntries: visited.size, pruned };
    toggle(top.entry.op);
    state = top.stateBefore;
    unlift(top.entry);
    relevant = null;
    if (!pending[top.entry.op]) unplacedCompleted++;
    entry = top.entry.next;
    pendingPass = top.pendingPass;
    chain = top.chainBefore;
    latestCall = top.latestCallBefore;
  }
  return { kind: 'ok', cacheEntries: visited.size };
}

/**
 * An unknown-outcome op placed at a stuck point helps only if it is linked, directly or through other such
 * ops, to a candidate: any other could as well be placed after the next candidate, since they commute.
 */
function relevantPending(
  head: Entry,
  pending: readonly boolean[],
  footprints: readonly (readonly string[])[],
  expired: (i: number) => boolean,
): Uint8Array {
  const relevant = new Uint8Array(pending.length);
  const touched = new Set<string>();
  const open: number[] = [];
  for (let e = head.next; e !== null && e.isCall; e = e.next) {
    if (pending[e.op]) {
      if (!expired(e.op)) open.push(e.op);
    }
    else for (const r of footprints[e.op]) touched.add(r);
  }
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of open) {
      if (relevant[p] || !footprints[p].some((r) => touched.has(r))) continue;
      relevant[p] = 1;
      for (const r of footprints[p]) touched.add(r);
      grew = true;
    }
  }
  return relevant;
}

function snapshot<S>(head: Entry, deadline: Entry, stack: ReadonlyArray<{ entry: Entry; stateBefore: S }>, state: S): Stall<S> {
  const candidates: number[] = [];
  for (let e = head.next; e !== null && e !== deadline; e = e.next) if (e.isCall) candidates.push(e.op);
  const statesAfter = stack.map((_, k) => (k + 1 < stack.length ? stack[k + 1].stateBefore : state));
  return { order: stack.map((s) => s.entry.op), statesAfter, state, candidates, deadline: deadline.op };
}
