import { describe, expect, it } from 'vitest';
import { LeaseManager } from './lease-manager.ts';

function setup(options: { maxObjectsPerLease?: number } = {}) {
  let now = 1_000_000;
  const grants: number[] = [];
  let release: (() => void) | null = null;
  const granter = {
    grantLease: async (ttl: number) => {
      grants.push(ttl);
      if (release === null) return String(grants.length);
      await new Promise<void>((r) => (release = r));
      return String(grants.length);
    },
  };
  const manager = new LeaseManager(granter, { now: () => now, ...options });
  return {
    manager,
    grants,
    advance: (ms: number) => (now += ms),
    holdGrants: () => (release = () => undefined),
    releaseGrant: () => {
      const r = release;
      release = null;
      r?.();
    },
  };
}

describe('LeaseManager', () => {
  it('grants the TTL plus a reuse window (5 % of the TTL, at most 60 s) and shares the lease within it', async () => {
    const t = setup();
    expect(await t.manager.lease(3600)).toBe('1');
    expect(t.grants).toEqual([3660]);
    t.advance(59_000);
    expect(await t.manager.lease(3600)).toBe('1'); // still lives 3601 s: long enough for a 3600 s object
    t.advance(1_500);
    expect(await t.manager.lease(3600)).toBe('2'); // past the reuse window: a new lease
    expect(t.grants).toEqual([3660, 3660]);
    expect(await t.manager.lease(100)).toBe('3'); // a much shorter TTL would outlive itself on that lease
    expect(t.grants).toEqual([3660, 3660, 105]);
  });

  it('does not put an object on a lease that would outlive it by more than the window', async () => {
    const t = setup();
    expect(await t.manager.lease(3600)).toBe('1');
    expect(await t.manager.lease(60)).toBe('2');
    expect(t.grants).toEqual([3660, 63]);
  });

  it('starts a new lease after the per-lease object bound', async () => {
    const t = setup({ maxObjectsPerLease: 3 });
    const ids = [];
    for (let i = 0; i < 7; i++) ids.push(await t.manager.lease(3600));
    expect(ids).toEqual(['1', '1', '1', '2', '2', '2', '3']);
  });

  it('has concurrent callers share the lease being granted', async () => {
    const t = setup();
    t.holdGrants();
    const asks = [t.manager.lease(3600), t.manager.lease(3600), t.manager.lease(3600)];
    await new Promise((r) => setImmediate(r));
    expect(t.grants).toEqual([3660]);
    t.releaseGrant();
    expect(await Promise.all(asks)).toEqual(['1', '1', '1']);
    expect(t.grants).toEqual([3660]);
  });

  it('asks again after a failed grant', async () => {
    let fail = true;
    const granted: number[] = [];
    const manager = new LeaseManager({
      grantLease: async (ttl) => {
        granted.push(ttl);
        if (fail) throw new Error('etcdserver: no leader');
        return '9';
      },
    });
    await expect(manager.lease(10)).rejects.toThrow('no leader');
    fail = false;
    expect(await manager.lease(10)).toBe('9');
    expect(granted).toEqual([10, 10]);
  });
});
