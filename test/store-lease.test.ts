// The Lease service over gRPC: grant (generated and chosen IDs), keep-alive stream, time-to-live with keys, list,
// revoke, and expiry proposed by the member itself.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestMember, type TestMember } from '../src/store/server/test-server.ts';

const b = (s: string) => Buffer.from(s);

describe('store: Lease service', () => {
  let m: TestMember;
  beforeAll(async () => {
    m = await startTestMember();
  });
  afterAll(async () => m.close());

  it('grants with generated and chosen IDs, refuses a taken ID, and raises TTLs to the minimum', async () => {
    const generated = await m.call<{ ID: bigint; TTL: bigint }>('Lease', 'LeaseGrant', { TTL: 60n });
    expect(generated.ID).toBeGreaterThan(0n);
    expect(generated.TTL).toBe(60n);
    const chosen = await m.call<{ ID: bigint; TTL: bigint }>('Lease', 'LeaseGrant', { TTL: 1n, ID: 4242n });
    expect(chosen).toMatchObject({ ID: 4242n, TTL: 2n });
    const err = (await m.call('Lease', 'LeaseGrant', { TTL: 5n, ID: 4242n }).catch((e: unknown) => e)) as grpc.ServiceError;
    expect({ code: err.code, details: err.details }).toEqual({ code: grpc.status.FAILED_PRECONDITION, details: 'etcdserver: lease already exists' });
    const list = await m.call<{ leases: Array<{ ID: bigint }> }>('Lease', 'LeaseLeases', {});
    expect(list.leases.map((l) => l.ID)).toEqual(expect.arrayContaining([generated.ID, 4242n]));
  });

  it('keeps alive over a stream, answering TTL 0 for unknown leases', async () => {
    const { ID } = await m.call<{ ID: bigint }>('Lease', 'LeaseGrant', { TTL: 30n });
    await m.call('KV', 'Put', { key: b('leased'), value: b('v'), lease: ID });
    const stream = m.client('Lease').LeaseKeepAlive() as grpc.ClientDuplexStream<unknown, { ID: bigint; TTL: bigint }>;
    const answers: Array<{ ID: bigint; TTL: bigint }> = [];
    stream.on('data', (r: { ID: bigint; TTL: bigint }) => answers.push(r));
    stream.write({ ID });
    stream.write({ ID: 999n });
    for (let i = 0; i < 200 && answers.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    stream.end();
    expect(answers.map((a) => [a.ID, a.TTL])).toEqual([
      [ID, 30n],
      [999n, 0n],
    ]);
    const ttl = await m.call<{ TTL: bigint; grantedTTL: bigint; keys: Buffer[] }>('Lease', 'LeaseTimeToLive', { ID, keys: true });
    expect(ttl.grantedTTL).toBe(30n);
    expect(ttl.TTL).toBeGreaterThan(0n);
    expect(ttl.keys.map(String)).toEqual(['leased']);
    await m.call('Lease', 'LeaseRevoke', { ID });
    expect((await m.call<{ count: bigint }>('KV', 'Range', { key: b('leased') })).count).toBe(0n);
  });

  it('revokes an expired lease and its keys by itself, surviving a restart in between', async () => {
    const { ID } = await m.call<{ ID: bigint }>('Lease', 'LeaseGrant', { TTL: 2n });
    await m.call('KV', 'Put', { key: b('short'), value: b('v'), lease: ID });
    await m.restart();
    expect((await m.call<{ TTL: bigint }>('Lease', 'LeaseTimeToLive', { ID })).TTL).toBeGreaterThan(0n);
    let count = 1n;
    for (let i = 0; i < 300 && count !== 0n; i++) {
      count = (await m.call<{ count: bigint }>('KV', 'Range', { key: b('short') })).count;
      if (count !== 0n) await new Promise((r) => setTimeout(r, 50));
    }
    expect(count).toBe(0n);
    expect((await m.call<{ TTL: bigint }>('Lease', 'LeaseTimeToLive', { ID })).TTL).toBe(-1n);
  });
});
