// The generic search with a model of its own: a FIFO queue, whose state is not a key-value map.

import { describe, expect, it } from 'vitest';
import { checkLinearizability } from './check.ts';
import type { Model, Operation } from './types.ts';

type QueueInput = { op: 'enqueue'; value: number } | { op: 'dequeue' };
type QueueOutput = { value: number | null } | Record<string, never>;

const queue: Model<readonly number[], QueueInput, QueueOutput> = {
  init: () => [],
  step(state, input, output) {
    if (input.op === 'enqueue') return [...state, input.value];
    const head = state.length ? state[0] : null;
    if (output !== undefined && 'value' in output && output.value !== head) return undefined;
    return state.slice(1);
  },
  stateKey: (s) => s.join(','),
  explain: (s, _i, o) => `queue is [${s.join(', ')}], dequeued ${o && 'value' in o ? o.value : '?'}`,
  describeOperation: (i, o) => (i.op === 'enqueue' ? `enqueue(${i.value})` : `dequeue() -> ${o && 'value' in o ? o.value : '?'}`),
  describeState: (s) => `[${s.join(', ')}]`,
};

const enq = (clientId: number, call: number, ret: number | undefined, value: number): Operation<QueueInput, QueueOutput> =>
  ret === undefined ? { clientId, call, input: { op: 'enqueue', value } } : { clientId, call, return: ret, input: { op: 'enqueue', value }, output: {} };
const deq = (clientId: number, call: number, ret: number, value: number | null): Operation<QueueInput, QueueOutput> => ({
  clientId,
  call,
  return: ret,
  input: { op: 'dequeue' },
  output: { value },
});

describe('checkLinearizability with a queue model', () => {
  it('orders concurrent enqueues either way, but FIFO after that', () => {
    expect(checkLinearizability(queue, [enq(1, 0, 10, 1), enq(2, 0, 10, 2), deq(3, 20, 30, 2), deq(3, 40, 50, 1)]).verdict).toBe('ok');
    const result = checkLinearizability(queue, [enq(1, 0, 10, 1), enq(2, 20, 30, 2), deq(3, 40, 50, 2)]);
    expect(result.verdict).toBe('illegal');
    if (result.verdict !== 'illegal') return;
    expect(result.counterexample.deadline.reason).toBe('queue is [1, 2], dequeued 2');
    expect(result.counterexample.partition).toBe('the whole history');
  });

  it('places an unknown-outcome op only if something needs it', () => {
    expect(checkLinearizability(queue, [enq(1, 0, undefined, 7), deq(2, 10, 20, null)]).verdict).toBe('ok');
    expect(checkLinearizability(queue, [enq(1, 0, undefined, 7), deq(2, 10, 20, 7)]).verdict).toBe('ok');
    expect(checkLinearizability(queue, [enq(1, 0, undefined, 7), deq(2, 10, 20, 7), deq(2, 30, 40, 7)]).verdict).toBe('illegal');
  });

  it('requires an op with a return but no recorded answer to have happened before its return', () => {
    const tookEffect: Operation<QueueInput, QueueOutput> = { clientId: 1, call: 0, return: 5, input: { op: 'enqueue', value: 7 } };
    expect(checkLinearizability(queue, [tookEffect, deq(2, 10, 20, 7)]).verdict).toBe('ok');
    expect(checkLinearizability(queue, [tookEffect, deq(2, 10, 20, null)]).verdict).toBe('illegal');
  });

  it('shows the last 8 placed ops of a long prefix and a timeline of the failure', () => {
    const history = [...Array.from({ length: 12 }, (_, i) => enq(1, i * 10, i * 10 + 5, i)), deq(2, 200, 210, 5)];
    const result = checkLinearizability(queue, history);
    expect(result.verdict).toBe('illegal');
    if (result.verdict !== 'illegal') return;
    const text = result.counterexample.text;
    expect(text).toContain('Longest linearizable prefix: 12 operations (last 8 shown):');
    expect(text).toContain('#12 c2 dequeue() -> 5: queue is [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], dequeued 5');
    expect(text.split('\n').filter((l) => /^ {2}#\d+ c\d [ [\-\]|>]+ /.test(l))).toHaveLength(9);
  });
});
