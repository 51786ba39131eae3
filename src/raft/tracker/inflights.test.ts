import { describe, expect, it } from 'vitest';
import { Inflights } from './inflights.ts';

describe('Inflights', () => {
  it('fills up to maxCount and frees in order, wrapping around the ring', () => {
    const f = new Inflights(3);
    f.add(1, 10);
    f.add(2, 10);
    expect(f.full()).toBe(false);
    f.add(5, 10);
    expect(f.full()).toBe(true);
    expect(() => f.add(6, 1)).toThrow();
    f.freeLE(2);
    expect(f.count).toBe(1);
    expect(f.bytes).toBe(10);
    f.add(6, 1);
    f.add(7, 1);
    expect(f.full()).toBe(true);
    f.freeLE(6);
    expect(f.count).toBe(1);
    f.freeLE(100);
    expect(f.count).toBe(0);
    expect(f.bytes).toBe(0);
  });

  it('is full when the byte budget is reached', () => {
    const f = new Inflights(10, 100);
    f.add(1, 60);
    expect(f.full()).toBe(false);
    f.add(2, 60);
    expect(f.full()).toBe(true);
    f.freeLE(1);
    expect(f.full()).toBe(false);
  });

  it('clone copies the window; reset empties it', () => {
    const f = new Inflights(4);
    f.add(3, 1);
    f.add(4, 2);
    const c = f.clone();
    f.reset();
    expect(f.count).toBe(0);
    expect(c.count).toBe(2);
    expect(c.bytes).toBe(3);
  });

  it('refuses out-of-order adds (our bug)', () => {
    const f = new Inflights(4);
    f.add(3, 1);
    expect(() => f.add(3, 1)).toThrow(/assertion/);
  });
});
