import { describe, expect, it } from 'vitest';
import { computeHash } from './common/hash.ts';
import { equalIgnoreHash, maxSurge, maxUnavailable, resolveFenceposts, type Obj } from './deployment-util.ts';

const d = (replicas: number, maxSurgeV?: number | string, maxUnavailableV?: number | string, type = 'RollingUpdate'): Obj => ({
  spec: { replicas, strategy: { type, rollingUpdate: { maxSurge: maxSurgeV, maxUnavailable: maxUnavailableV } } },
});

describe('deployment fenceposts', () => {
  it('rounds surge up and unavailable down', () => {
    expect(resolveFenceposts(d(10))).toEqual([3, 2]);
    expect(resolveFenceposts(d(4))).toEqual([1, 1]);
    expect(resolveFenceposts(d(3, '34%', '34%'))).toEqual([2, 1]);
  });

  it('both zero: one may be unavailable', () => {
    expect(resolveFenceposts(d(1, 0, '25%'))).toEqual([0, 1]);
  });

  it('Recreate has neither; unavailable never exceeds replicas', () => {
    expect([maxSurge(d(5, 1, 1, 'Recreate')), maxUnavailable(d(5, 1, 1, 'Recreate'))]).toEqual([0, 0]);
    expect(maxUnavailable(d(2, 0, 5))).toBe(2);
  });
});

describe('pod-template-hash', () => {
  it('is stable, in the safe alphabet, and changes with the template and the collision count', () => {
    const t = { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'a' }] } };
    expect(computeHash(t)).toBe(computeHash(structuredClone(t)));
    expect(computeHash(t)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(computeHash(t)).not.toBe(computeHash({ ...t, spec: { containers: [{ name: 'c', image: 'b' }] } }));
    expect(computeHash(t, 1)).not.toBe(computeHash(t));
  });

  it('templates equal ignoring the hash label, nulls and empty maps (as Go semantic equality)', () => {
    const a = { metadata: { labels: { app: 'x', 'pod-template-hash': 'abc' }, annotations: {} }, spec: { containers: [{ name: 'c' }] } };
    const b = { metadata: { creationTimestamp: null, labels: { app: 'x' } }, spec: { containers: [{ name: 'c' }], securityContext: {} } };
    expect(equalIgnoreHash(a, b as never)).toBe(true);
    expect(equalIgnoreHash(a, { metadata: { labels: { app: 'y' } }, spec: { containers: [{ name: 'c' }] } })).toBe(false);
  });
});
