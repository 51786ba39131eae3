import { describe, expect, it } from 'vitest';
import { endpointsFrom } from './endpoint-order.ts';

describe('endpointsFrom', () => {
  it('starts at the given index and keeps every endpoint once, in order, wrapping', () => {
    expect(endpointsFrom(['a', 'b', 'c'], 0)).toEqual(['a', 'b', 'c']);
    expect(endpointsFrom(['a', 'b', 'c'], 1)).toEqual(['b', 'c', 'a']);
    expect(endpointsFrom(['a', 'b', 'c'], 2)).toEqual(['c', 'a', 'b']);
  });

  it('takes the index modulo the count, negative ones too', () => {
    expect(endpointsFrom(['a', 'b', 'c'], 4)).toEqual(['b', 'c', 'a']);
    expect(endpointsFrom(['a', 'b', 'c'], -1)).toEqual(['c', 'a', 'b']);
    expect(endpointsFrom(['a'], 7)).toEqual(['a']);
    expect(endpointsFrom([], 3)).toEqual([]);
  });
});
