// Unknown-outcome writes are what makes linearizability checking expensive: each may be placed anywhere after
// its call, or nowhere. When every put writes a value of its own, reads tell more: a write whose value some
// completed op saw took effect before that op returned (a sound bound), and, optionally, a write nobody ever
// saw is assumed never to have happened (etcd's robustness tests make the same bet, backed by a watch).

import type { KvInput, KvOperation, KvRequestOp } from './kv-types.ts';

export interface PatchOptions {
  /**
   * Leave out unknown-outcome writes whose values nobody saw. Not sound on its own: such a write may still
   * show through versions, revisions or delete counts. Use it when something else (a watch over every key)
   * confirms which writes happened. Default false.
   */
  readonly dropUnobserved?: boolean;
  /** See CheckOptions.unknownOutcomeWindow: a write seen later than this still happened within it. */
  readonly unknownOutcomeWindow?: number;
}

export interface PatchedHistory {
  /** Same length and order as the input: indices stay valid. */
  readonly history: readonly KvOperation[];
  readonly exclude: ReadonlySet<number>;
  readonly bounded: number;
}

const slot = (key: string, value: string): string => `${key.length}:${key}${value}`;

function writesOf(input: KvInput): Array<{ key: string; value: string }> {
  const puts = (ops: readonly KvRequestOp[]) => ops.flatMap((o) => (o.type === 'put' ? [{ key: o.key, value: o.value }] : []));
  if (input.type === 'put') return [{ key: input.key, value: input.value }];
  if (input.type === 'txn') return [...puts(input.success), ...puts(input.failure)];
  return [];
}

function observationsOf(op: KvOperation): string[] {
  const out = op.output;
  if (op.return === undefined || out === undefined || out.error !== undefined) return [];
  const input = op.input;
  if (input.type === 'get') return typeof out.value === 'string' ? [slot(input.key, out.value)] : [];
  if (input.type !== 'txn' || out.succeeded === undefined) return [];
  const seen: string[] = [];
  if (out.succeeded) for (const c of input.compare) if (c.target === 'value') seen.push(slot(c.key, c.equals));
  const branch = out.succeeded ? input.success : input.failure;
  branch.forEach((o, i) => {
    const value = out.results?.[i]?.value;
    if (o.type === 'get' && typeof value === 'string') seen.push(slot(o.key, value));
  });
  return seen;
}

export function patchUnknownWrites(history: readonly KvOperation[], options: PatchOptions = {}): PatchedHistory {
  const writers = new Map<string, number>();
  for (const op of history) for (const w of writesOf(op.input)) writers.set(slot(w.key, w.value), (writers.get(slot(w.key, w.value)) ?? 0) + 1);
  const firstSeen = new Map<string, number>();
  for (const op of history) {
    for (const s of observationsOf(op)) firstSeen.set(s, Math.min(firstSeen.get(s) ?? Infinity, op.return!));
  }
  const exclude = new Set<number>();
  let bounded = 0;
  const patched = history.map((op, index) => {
    if (op.return !== undefined) return op;
    const writes = writesOf(op.input);
    if (writes.length === 0 || writes.some((w) => writers.get(slot(w.key, w.value)) !== 1)) return op;
    const seenAt = Math.min(...writes.map((w) => firstSeen.get(slot(w.key, w.value)) ?? Infinity));
    if (seenAt === Infinity) {
      if (options.dropUnobserved && writes.length > 0 && op.input.type !== 'txn') exclude.add(index);
      return op;
    }
    // Seen before its call is impossible; leave that for the search to report.
    if (seenAt < op.call) return op;
    bounded++;
    return { ...op, return: Math.min(seenAt, op.call + (options.unknownOutcomeWindow ?? Infinity)) };
  });
  return { history: patched, exclude, bounded };
}

export interface PhantomRead {
  readonly index: number;
  readonly key: string;
  readonly value: string;
  readonly description: string;
}

/** Completed reads of a value that no put in the history ever wrote to that key: illegal without a search. */
export function findPhantomReads(history: readonly KvOperation[]): PhantomRead[] {
  const written = new Set<string>();
  for (const op of history) for (const w of writesOf(op.input)) written.add(slot(w.key, w.value));
  const phantoms: PhantomRead[] = [];
  history.forEach((op, index) => {
    const input = op.input;
    if (op.return === undefined || op.output === undefined) return;
    const reads: Array<{ key: string; value: string }> = [];
    if (input.type === 'get' && typeof op.output.value === 'string') reads.push({ key: input.key, value: op.output.value });
    if (input.type === 'txn' && op.output.succeeded !== undefined) {
      (op.output.succeeded ? input.success : input.failure).forEach((o, i) => {
        const value = op.output!.results?.[i]?.value;
        if (o.type === 'get' && typeof value === 'string') reads.push({ key: o.key, value });
      });
    }
    for (const { key, value } of reads) {
      if (written.has(slot(key, value))) continue;
      const description = `op #${index} (client ${op.clientId}, t=${op.call}..${op.return}) read ${JSON.stringify(key)} = ${JSON.stringify(value)}, a value no operation in the history writes to that key`;
      phantoms.push({ index, key, value, description });
    }
  });
  return phantoms;
}
