// The Jepsen runner's partitions are real: with each `bin/barque etcd` member's peer traffic through its own
// CONNECT proxy (grpc_proxy), cutting the leader's links makes the other two elect a new leader and accept writes,
// the old leader refuses linearizable reads and still serves its stale state to serializable ones, and after the
// heal every member converges to the same HashKV. Multi-process, slow; bounds are generous, no timing assertions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterHarness } from '../src/verify/jepsen/index.ts';
import { eventually } from './process-helpers.ts';


interface Range {
  kvs: Array<{ value: Buffer }>;
}

describe('jepsen runner: peer partitions through the CONNECT proxies (process)', () => {
  let h: ClusterHarness;
  beforeAll(async () => {
    h = await ClusterHarness.start({ impl: 'barque', members: 3, unsafeLocalReads: false, log: () => undefined, startTimeoutMs: 90_000 });
  });
  afterAll(async () => h?.cleanup());

  it('isolating the leader elects a new one on the majority side; healing converges', { timeout: 240_000 }, async () => {
    const put = (slot: number, value: string) => h.rpc(slot).unary('KV', 'Put', { key: Buffer.from('p/k'), value: Buffer.from(value) }, 5_000);
    const get = (slot: number, serializable: boolean) =>
      h.rpc(slot).unary<Range>('KV', 'Range', { key: Buffer.from('p/k'), serializable }, 3_000).then((r) => r.kvs[0]?.value.toString());

    const old = await eventually('a leader', () => h.leaderSlot());
    await eventually('the first write', () => put(old, 'before').then(() => true));
    await eventually('every member to apply it', async () => ((await Promise.all([0, 1, 2].map((i) => get(i, true)))).every((v) => v === 'before') ? true : undefined));

    for (let j = 0; j < 3; j++) {
      if (j === old) continue;
      h.links.block(old, j, 'drop');
      h.links.block(j, old, 'drop');
    }
    const majority = [0, 1, 2].filter((i) => i !== old);
    const elected = await eventually('a new leader among the majority', async () => {
      const l = await h.leaderSlot(majority);
      return l !== undefined && l !== old ? l : undefined;
    });
    expect(majority).toContain(elected);
    await eventually('a write on the majority side', () => put(elected, 'after').then(() => true));

    // The old leader cannot confirm its leadership: its linearizable reads fail; its local state is stale.
    await expect(get(old, false)).rejects.toBeDefined();
    expect(await get(old, true)).toBe('before');
    const stats = h.proxyStats();
    expect(stats[old].blackholed + stats[old].refused).toBeGreaterThan(0);

    h.links.healAll();
    await eventually('the old leader to catch up', async () => ((await get(old, true)) === 'after' ? true : undefined));
    const c = await h.converge(120_000);
    expect(c.agree).toBe(true);
    expect(Object.keys(c.hashes)).toHaveLength(3);
  });
});
