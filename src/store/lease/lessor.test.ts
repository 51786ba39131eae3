import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MvccErrorCode, MvccStore, type MvccError } from '../mvcc/index.ts';
import { ManualClock } from './clock.ts';
import { LeaseErrorCode, type LeaseError } from './errors.ts';
import { LeaseIdGenerator } from './id-generator.ts';
import { Lessor, MAX_LEASE_TTL_SECONDS, minLeaseTtlSeconds, type LeaseKv } from './lessor.ts';

const b = (s: string) => Buffer.from(s);

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as LeaseError | MvccError).code;
  }
  return undefined;
}

/** A LeaseKv with no keys, for the pure state-machine tests. */
const noKeys: LeaseKv = {
  keysForLease: () => [],
  deleteByLease: () => ({ header: { revision: 1 }, deleted: 0, prevKvs: [] }),
};

describe('lessor state machine', () => {
  it('grants with the minimum TTL and etcd errors in etcd order', () => {
    const l = new Lessor({ clock: new ManualClock() });
    expect(l.grant(5n, 1)).toEqual({ id: 5n, ttl: 2 });
    expect(l.grant(6n, -10)).toEqual({ id: 6n, ttl: 2 });
    expect(l.grant(7n, 60)).toEqual({ id: 7n, ttl: 60 });
    expect(l.grant(8n, MAX_LEASE_TTL_SECONDS).ttl).toBe(MAX_LEASE_TTL_SECONDS);
    expect(codeOf(() => l.grant(5n, 10))).toBe(LeaseErrorCode.Exists);
    // TTL too large is checked before the duplicate, as etcd does.
    expect(codeOf(() => l.grant(5n, MAX_LEASE_TTL_SECONDS + 1))).toBe(LeaseErrorCode.TtlTooLarge);
    expect(codeOf(() => l.grant(0n, 10))).toBe(LeaseErrorCode.NotFound);
    expect(minLeaseTtlSeconds(1000)).toBe(2);
    expect(minLeaseTtlSeconds(5000)).toBe(8);
    expect(codeOf(() => l.revoke(99n, noKeys))).toBe(LeaseErrorCode.NotFound);
    l.revoke(5n, noKeys);
    expect(l.has(5n)).toBe(false);
  });

  it('stages one record per change for the applier to write', () => {
    const l = new Lessor({ clock: new ManualClock() });
    l.grant(1n, 10);
    l.checkpoint(1n, 4);
    l.checkpoint(42n, 4); // unknown: ignored
    l.revoke(1n, noKeys);
    expect(l.takeOps().map((op) => op.type)).toEqual(['put', 'put', 'del']);
    expect(l.takeOps()).toEqual([]);
  });

  it('expires only on the leader, from its own deadlines, and reports each lease once per retry interval', () => {
    const clock = new ManualClock(1_000);
    const l = new Lessor({ clock, expiredRetryMs: 3_000 });
    l.grant(1n, 5);
    l.grant(2n, 10);
    clock.advance(60_000);
    expect(l.expired()).toEqual([]); // follower: never
    l.promote(1_000); // deadlines now + 1 s + TTL
    expect(l.remainingMs(1n)).toBe(6_000);
    clock.advance(5_999);
    expect(l.expired()).toEqual([]);
    clock.advance(1);
    expect(l.expired()).toEqual([1n]);
    expect(l.expired()).toEqual([]); // proposed already; not again until the retry interval
    expect(codeOf(() => l.renew(1n))).toBe(LeaseErrorCode.Expired);
    clock.advance(3_000);
    expect(l.expired()).toEqual([1n]); // revoke still not applied: propose again
    l.revoke(1n, noKeys);
    clock.advance(2_000);
    expect(l.expired()).toEqual([2n]);
    l.demote();
    expect(l.expired()).toEqual([]);
  });

  it('renews on the leader only; unknown leases are NotFound; renew pushes the deadline', () => {
    const clock = new ManualClock();
    const l = new Lessor({ clock });
    l.grant(1n, 10);
    expect(codeOf(() => l.renew(1n))).toBe(LeaseErrorCode.NotPrimary);
    l.promote(0);
    expect(codeOf(() => l.renew(2n))).toBe(LeaseErrorCode.NotFound);
    clock.advance(9_000);
    expect(l.renew(1n)).toEqual({ ttl: 10, clearCheckpoint: false });
    clock.advance(9_000);
    expect(l.expired()).toEqual([]);
    clock.advance(1_000);
    expect(l.expired()).toEqual([1n]);
  });

  it('grants on the leader start their clock at once', () => {
    const clock = new ManualClock();
    const l = new Lessor({ clock });
    l.promote(1_000);
    l.grant(1n, 3);
    expect(l.remainingMs(1n)).toBe(3_000);
    clock.advance(3_000);
    expect(l.expired()).toEqual([1n]);
  });

  it('answers time-to-live with the rounded-up remaining TTL and the granted TTL', () => {
    const clock = new ManualClock();
    const l = new Lessor({ clock });
    l.grant(1n, 10);
    expect(l.timeToLive(2n)).toBeUndefined();
    expect(codeOf(() => l.timeToLive(1n))).toBe(LeaseErrorCode.NotPrimary);
    l.promote(0);
    clock.advance(2_500);
    const kv: LeaseKv = { ...noKeys, keysForLease: () => [b('a'), b('b')] };
    expect(l.timeToLive(1n, kv)).toEqual({ id: 1n, ttl: 8, grantedTtl: 10, keys: [b('a'), b('b')] });
  });

  it('lists leases soonest deadline first', () => {
    const clock = new ManualClock();
    const l = new Lessor({ clock });
    l.grant(3n, 30);
    l.grant(1n, 50);
    l.grant(2n, 10);
    expect(l.list().map((x) => x.id)).toEqual([1n, 2n, 3n]); // follower: by ID
    l.promote(0);
    expect(l.list()).toEqual([
      { id: 2n, ttl: 10 },
      { id: 3n, ttl: 30 },
      { id: 1n, ttl: 50 },
    ]);
  });

  it('uses a checkpointed remaining TTL on promotion and proposes checkpoints when enabled', () => {
    const clock = new ManualClock();
    const l = new Lessor({ clock, checkpointIntervalMs: 60_000 });
    l.grant(1n, 300);
    l.grant(2n, 30); // shorter than the interval: never checkpointed
    l.promote(0);
    clock.advance(60_000);
    expect(l.dueCheckpoints()).toEqual([{ id: 1n, remainingTtl: 240 }]);
    l.checkpoint(1n, 240); // applied from the log
    l.demote();
    clock.advance(100_000);
    l.promote(1_000);
    expect(l.remainingMs(1n)).toBe(241_000);
    expect(l.renew(1n)).toEqual({ ttl: 300, clearCheckpoint: true });
    expect(l.remainingMs(1n)).toBe(300_000);
  });

  it('spreads a pile-up of expiries on promotion', () => {
    const clock = new ManualClock();
    const l = new Lessor({ clock, revokeRatePerSecond: 100 });
    for (let i = 1; i <= 300; i++) l.grant(BigInt(i), 10);
    l.promote(0);
    const perSecond = new Map<number, number>();
    for (let i = 1; i <= 300; i++) {
      const s = Math.floor(l.remainingMs(BigInt(i))! / 1000);
      perSecond.set(s, (perSecond.get(s) ?? 0) + 1);
    }
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(75);
  });

  it('generates nonzero positive IDs from the member ID and the clock', () => {
    const g = new LeaseIdGenerator(0x1234n, new ManualClock(1_700_000_000_000));
    const a = g.next();
    const c = g.next();
    expect(c).toBe(a + 1n);
    expect(a >> 48n).toBe(0x1234n);
    expect(a > 0n).toBe(true);
    const g2 = new LeaseIdGenerator(0xffffn, new ManualClock(1_700_000_000_000));
    expect(g2.next() > 0n).toBe(true);
  });
});

describe('lessor with the MVCC store', () => {
  const dirs: string[] = [];
  const stores: MvccStore[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  async function open(dir: string, lessor: Lessor) {
    const store = await MvccStore.open(dir, { leaseExists: (id) => lessor.has(id) });
    stores.push(store);
    return store;
  }

  /** Runs applied commands in one batch and writes the lessor's records with it, as the applier will. */
  async function apply<T>(store: MvccStore, lessor: Lessor, fn: () => T): Promise<T> {
    store.beginBatch();
    let result: T;
    try {
      result = fn();
    } finally {
      await store.commitBatch({ extraOps: lessor.takeOps() });
    }
    return result;
  }

  it('attaches keys through puts, refuses unknown leases, revokes all keys in one revision, survives a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'barque-lease-'));
    dirs.push(dir);
    const clock = new ManualClock();
    const lessor = new Lessor({ clock });
    let store = await open(dir, lessor);
    await apply(store, lessor, () => lessor.grant(7n, 30));
    await apply(store, lessor, () => lessor.grant(8n, 60));
    await apply(store, lessor, () => store.put({ key: b('a'), value: b('1'), lease: 7n }));
    await apply(store, lessor, () => store.put({ key: b('b'), value: b('1'), lease: 7n }));
    await apply(store, lessor, () => store.put({ key: b('c'), value: b('1'), lease: 7n }));
    await apply(store, lessor, () => store.put({ key: b('c'), value: b('2'), lease: 8n })); // moves c to lease 8
    const err = await apply(store, lessor, () => codeOf(() => store.put({ key: b('x'), value: b('1'), lease: 9n })));
    expect(err).toBe(MvccErrorCode.LeaseNotFound);
    expect(store.keysForLease(7n)).toEqual([b('a'), b('b')]);
    expect(store.revision).toBe(5);

    // Restart: lease records and attachments come back; nothing expires before promotion. The store is
    // opened first (the lessor reads its database) and asks the lessor through a late-bound reference.
    await store.close();
    stores.pop();
    const ref: { lessor?: Lessor } = {};
    store = await MvccStore.open(dir, { leaseExists: (id) => ref.lessor!.has(id) });
    stores.push(store);
    const reloaded = (ref.lessor = await Lessor.open(store.database, { clock }));
    expect(reloaded.list().map((l) => l.id)).toEqual([7n, 8n]);
    expect(reloaded.expired()).toEqual([]);
    reloaded.promote(1_000);
    expect(reloaded.timeToLive(7n, store)).toEqual({ id: 7n, ttl: 31, grantedTtl: 30, keys: [b('a'), b('b')] });
    const lease9 = await apply(store, reloaded, () => codeOf(() => store.put({ key: b('y'), value: b('1'), lease: 9n })));
    expect(lease9).toBe(MvccErrorCode.LeaseNotFound);

    const events: number[] = [];
    store.onCommitted((c) => events.push(...c.events.map((e) => e.kv.modRevision)));
    const resp = await apply(store, reloaded, () => reloaded.revoke(7n, store));
    expect(resp.deleted).toBe(2);
    expect(events).toEqual([6, 6]); // one revision for the whole revoke
    expect(store.range({ key: b('a'), rangeEnd: b('z') }).kvs.map((kv) => kv.key.toString())).toEqual(['c']);
    expect(reloaded.has(7n)).toBe(false);

    // A revoke of a lease without keys does not add a revision.
    await apply(store, reloaded, () => reloaded.grant(10n, 5));
    await apply(store, reloaded, () => reloaded.revoke(10n, store));
    expect(store.revision).toBe(6);

    const again = await Lessor.open(store.database, { clock });
    expect(again.list().map((l) => l.id)).toEqual([8n]);
  });

  it('restores checkpointed remaining TTLs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'barque-lease-'));
    dirs.push(dir);
    const clock = new ManualClock();
    const lessor = new Lessor({ clock });
    const store = await open(dir, lessor);
    await apply(store, lessor, () => lessor.grant(1n, 600));
    await apply(store, lessor, () => lessor.checkpoint(1n, 100));
    const reloaded = await Lessor.open(store.database, { clock });
    reloaded.promote(0);
    expect(reloaded.remainingMs(1n)).toBe(100_000);
  });
});
