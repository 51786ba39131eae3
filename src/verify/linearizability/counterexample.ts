// Turns the search's furthest stall into something a person can read: the longest prefix it managed to
// linearize, the ops that could not go next and why, and a timeline of the ops around the failure.

import type { Stall } from './search.ts';
import type { Counterexample, Model, Operation, PlacedOperation, UnplaceableOperation } from './types.ts';

const PREFIX_SHOWN = 8;

export function buildCounterexample<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly Operation<I, O>[],
  globalIndex: readonly number[],
  partition: string,
  stall: Stall<S>,
): Counterexample<I, O> {
  const prefix: PlacedOperation<I, O>[] = stall.order.map((local, k) => ({
    index: globalIndex[local],
    op: ops[local],
    stateAfter: model.describeState(stall.statesAfter[k]),
  }));
  const why = (local: number): UnplaceableOperation<I, O> => {
    const op = ops[local];
    const fits = model.step(stall.state, op.input, op.output) !== undefined;
    const reason = fits
      ? 'fits here, but every continuation after it fails'
      : model.explain(stall.state, op.input, op.output);
    return { index: globalIndex[local], op, reason };
  };
  const unplaceable = stall.candidates.map(why);
  const deadline = unplaceable.find((u) => u.index === globalIndex[stall.deadline]) ?? why(stall.deadline);
  const stateAtStall = model.describeState(stall.state);
  const text = render(model, partition, ops.length, prefix, stateAtStall, unplaceable, deadline);
  return { partition, partitionSize: ops.length, prefix, stateAtStall, unplaceable, deadline, text };
}

function render<S, I, O>(
  model: Model<S, I, O>,
  partition: string,
  partitionSize: number,
  prefix: readonly PlacedOperation<I, O>[],
  stateAtStall: string,
  unplaceable: readonly UnplaceableOperation<I, O>[],
  deadline: UnplaceableOperation<I, O>,
): string {
  const describe = (op: Operation<I, O>): string => model.describeOperation(op.input, op.output);
  const lines: string[] = [];
  lines.push(`Not linearizable: ${partition} (${partitionSize} operations).`);
  const shown = prefix.slice(-PREFIX_SHOWN);
  const skipped = prefix.length - shown.length;
  lines.push(`Longest linearizable prefix: ${prefix.length} operations${skipped > 0 ? ` (last ${shown.length} shown)` : ''}:`);
  shown.forEach((p, k) => {
    lines.push(`  ${String(skipped + k + 1).padStart(4)}. ${tag(p.index, p.op)} ${describe(p.op)}   => ${p.stateAfter}`);
  });
  lines.push(`State after the prefix: ${stateAtStall}`);
  lines.push(`Could not place next (${tag(deadline.index, deadline.op)} returns before any of these fits):`);
  for (const u of unplaceable) lines.push(`  ${tag(u.index, u.op)} ${describe(u.op)}: ${u.reason}`);
  lines.push('Timeline (columns are event order, not to scale; [ call, ] return, > unknown outcome):');
  const rows: Array<{ index: number; op: Operation<I, O>; note: string }> = [
    ...shown.map((p) => ({ index: p.index, op: p.op, note: `placed ${prefix.indexOf(p) + 1}` })),
    ...unplaceable.map((u) => ({ index: u.index, op: u.op, note: u.index === deadline.index ? 'NOT PLACED (deadline)' : 'NOT PLACED' })),
  ];
  lines.push(...timeline(rows, describe));
  return lines.join('\n');
}

function tag(index: number, op: Operation<unknown, unknown>): string {
  return `#${index} c${op.clientId}`;
}

function timeline<I, O>(
  rows: ReadonlyArray<{ index: number; op: Operation<I, O>; note: string }>,
  describe: (op: Operation<I, O>) => string,
): string[] {
  const sorted = [...rows].sort((a, b) => a.op.call - b.op.call || a.index - b.index);
  const returnOf = (op: Operation<I, O>): number | undefined => op.return;
  const times = new Set<number>();
  for (const { op } of sorted) {
    times.add(op.call);
    const r = returnOf(op);
    if (r !== undefined) times.add(r);
  }
  const rank = new Map([...times].sort((a, b) => a - b).map((t, k) => [t, k * 2] as const));
  const width = times.size * 2 + 1;
  const labelWidth = Math.max(...sorted.map((r) => tag(r.index, r.op).length));
  return sorted.map(({ index, op, note }) => {
    const bar = new Array<string>(width).fill(' ');
    const from = rank.get(op.call)!;
    const r = returnOf(op);
    const to = r === undefined ? width - 1 : rank.get(r)!;
    for (let c = from; c <= to; c++) bar[c] = '-';
    bar[from] = '[';
    bar[to] = r === undefined ? '>' : from === to ? '|' : ']';
    return `  ${tag(index, op).padEnd(labelWidth)} ${bar.join('')} ${describe(op)}  (${note}; t=${op.call}..${r ?? '?'})`;
  });
}
