// etcd's server-side Lock and Election services (v3lockpb, v3electionpb) over gRPC: waiting, ordering, leases.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestMember, type TestMember } from '../src/store/server/test-server.ts';

const b = (s: string) => Buffer.from(s);

describe('store: Lock and Election services', () => {
  let m: TestMember;
  const grant = async (ttl = 30n) => (await m.call<{ ID: bigint }>('Lease', 'LeaseGrant', { TTL: ttl })).ID;
  beforeAll(async () => {
    m = await startTestMember();
  });
  afterAll(async () => m.close());

  it('makes a second locker wait until the first unlocks', async () => {
    const l1 = await grant();
    const l2 = await grant();
    const first = await m.call<{ key: Buffer }>('Lock', 'Lock', { name: b('mutex'), lease: l1 });
    expect(first.key.toString()).toBe(`mutex/${l1.toString(16)}`);
    let secondDone = false;
    const second = m.call<{ key: Buffer }>('Lock', 'Lock', { name: b('mutex'), lease: l2 }).then((r) => {
      secondDone = true;
      return r;
    });
    // The second locker's key exists (it is queued) but it does not hold the lock.
    for (let i = 0; i < 100; i++) {
      const r = await m.call<{ count: bigint }>('KV', 'Range', { key: b('mutex/'), range_end: b('mutex0'), count_only: true });
      if (r.count === 2n) break;
      await new Promise((res) => setTimeout(res, 20));
    }
    expect(secondDone).toBe(false);
    await m.call('Lock', 'Unlock', { key: first.key });
    const got = await second;
    expect(got.key.toString()).toBe(`mutex/${l2.toString(16)}`);
    await m.call('Lock', 'Unlock', { key: got.key });
  });

  it('hands the lock on when the holder lease is revoked', async () => {
    const l1 = await grant();
    const l2 = await grant();
    await m.call('Lock', 'Lock', { name: b('mutex2'), lease: l1 });
    const second = m.call<{ key: Buffer }>('Lock', 'Lock', { name: b('mutex2'), lease: l2 });
    await m.call('Lease', 'LeaseRevoke', { ID: l1 });
    expect((await second).key.toString()).toBe(`mutex2/${l2.toString(16)}`);
  });

  it('refuses a lock with an unknown lease, as etcd does: code Unknown, etcd text', async () => {
    const err = (await m.call('Lock', 'Lock', { name: b('mutex3'), lease: 777n }).catch((e: unknown) => e)) as grpc.ServiceError;
    expect(err.code).toBe(grpc.status.UNKNOWN);
    expect(err.details).toBe('etcdserver: requested lease not found');
  });

  it('campaigns, proclaims, observes and resigns', async () => {
    const l1 = await grant();
    const l2 = await grant();
    const c1 = await m.call<{ leader: { key: Buffer; rev: bigint; lease: bigint; name: Buffer } }>('Election', 'Campaign', { name: b('el'), lease: l1, value: b('one') });
    expect(c1.leader.key.toString()).toBe(`el/${l1.toString(16)}`);
    const observed: string[] = [];
    const observer = m.client('Election').Observe({ name: b('el') }) as grpc.ClientReadableStream<{ kv: { value: Buffer } }>;
    observer.on('data', (r) => observed.push(r.kv.value.toString()));
    observer.on('error', () => undefined);
    const second = m.call<{ leader: { key: Buffer } }>('Election', 'Campaign', { name: b('el'), lease: l2, value: b('two') });
    await m.call('Election', 'Proclaim', { leader: c1.leader, value: b('one-again') });
    const leader = await m.call<{ kv: { value: Buffer } }>('Election', 'Leader', { name: b('el') });
    expect(leader.kv.value.toString()).toBe('one-again');
    await m.call('Election', 'Resign', { leader: c1.leader });
    const c2 = await second;
    expect(c2.leader.key.toString()).toBe(`el/${l2.toString(16)}`);
    const notLeader = (await m.call('Election', 'Proclaim', { leader: c1.leader, value: b('stale') }).catch((e: unknown) => e)) as grpc.ServiceError;
    expect(notLeader.details).toBe('election: not leader');
    for (let i = 0; i < 200 && observed.at(-1) !== 'two'; i++) await new Promise((res) => setTimeout(res, 20));
    expect(observed[0]).toBe('one');
    expect(observed).toContain('one-again');
    expect(observed.at(-1)).toBe('two');
    observer.cancel();
    await m.call('Election', 'Resign', { leader: c2.leader });
    const none = (await m.call('Election', 'Leader', { name: b('el') }).catch((e: unknown) => e)) as grpc.ServiceError;
    expect(none.details).toBe('election: no leader');
  });
});
