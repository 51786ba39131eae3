import { describe, expect, it } from 'vitest';
import { addQuantities, addResourceLists, compareQuantities, formatQuantity, milliValue, parseQuantity, parseResourceList, resourceListJson, resourceListsEqual } from './quantity.ts';

const q = (text: string) => parseQuantity(text)!;
const canonical = (text: string) => formatQuantity(q(text));

describe('quantities', () => {
  it('print in the canonical form Kubernetes stores', () => {
    expect(['1', '1000m', '0.5', '1500', '2000', '1k', '128Mi', '1024Mi', '1536Mi', '1e3', '100m', '0', '-1', '12e6', '1.5Gi', '0.1Ki'].map(canonical)).toEqual([
      '1', '1', '500m', '1500', '2k', '1k', '128Mi', '1Gi', '1536Mi', '1e3', '100m', '0', '-1', '12e6', '1536Mi', '102400m',
    ]);
    expect(formatQuantity(parseQuantity(2)!)).toBe('2');
  });

  it('refuse what is not a quantity', () => {
    for (const bad of ['', 'abc', '1.2.3', 'Ki', '1Kb', '--1', '1 Gi', 'e3']) expect(parseQuantity(bad), bad).toBeUndefined();
  });

  it('add in the first operand\'s format unless it is zero, and round finer than nano up', () => {
    expect(formatQuantity(addQuantities(q('500m'), q('500m')))).toBe('1');
    expect(formatQuantity(addQuantities(q('128Mi'), q('128Mi')))).toBe('256Mi');
    expect(formatQuantity(addQuantities(q('128Mi'), q('100M')))).toBe('234217728');
    expect(formatQuantity(addQuantities(q('0'), q('64Mi')))).toBe('64Mi');
    expect(formatQuantity(q('0.0000000001'))).toBe('1n');
    expect(formatQuantity(q('1e-12'))).toBe('1e-9');
    expect(compareQuantities(q('1'), q('1000m'))).toBe(0);
    expect(milliValue(q('1.5'))).toBe(1500n);
  });

  it('sum resource lists name by name', () => {
    const sum = addResourceLists(parseResourceList({ cpu: '250m', pods: '1' }), parseResourceList({ cpu: '750m', memory: '1Gi' }));
    expect(resourceListJson(sum)).toEqual({ cpu: '1', memory: '1Gi', pods: '1' });
    expect(resourceListsEqual(parseResourceList({ cpu: '1' }), parseResourceList({ cpu: '1000m' }))).toBe(true);
    expect(resourceListsEqual(parseResourceList({ cpu: '1' }), parseResourceList({ cpu: '1', pods: '0' }))).toBe(false);
  });
});
