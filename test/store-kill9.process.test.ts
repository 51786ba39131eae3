// Durability of `bin/barque etcd` as a real process: every write acknowledged before a kill -9 is there after the
// restart, and data survives a clean restart. Multi-process, slow.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEtcdProtos } from '../src/store/proto/index.ts';
import { EtcdCluster } from '../src/store/testing/etcd-process.ts';

type Kv = grpc.Client & Record<string, (...args: unknown[]) => unknown>;

function kvClient(url: string): Kv {
  const { services } = loadEtcdProtos();
  return new services.KV.Client(url.replace(/^http:\/\//, ''), grpc.credentials.createInsecure()) as Kv;
}

function unary<T>(c: Kv, method: string, req: unknown, deadlineMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    c[method](req, { deadline: Date.now() + deadlineMs }, (err: unknown, resp: T) => (err ? reject(err) : resolve(resp)));
  });
}

// Also with a snapshot every 100 entries: the Raft log is compacted past entries whose store writes were not
// synced one by one, so the store must be durable up to each snapshot before its log goes.
describe.each([
  { name: 'default snapshot count', extraArgs: [] },
  { name: 'a snapshot every 100 entries', extraArgs: ['--snapshot-count=100'] },
])('store: kill -9 and restart (process), $name', ({ extraArgs }) => {
  let cluster: EtcdCluster;
  beforeAll(async () => {
    cluster = await EtcdCluster.start({ impl: 'barque', members: 1, extraArgs });
  });
  afterAll(async () => cluster?.cleanup());

  it('keeps every acknowledged write across kill -9', async () => {
    const member = cluster.members[0];
    const client = kvClient(member.clientUrl);
    const acked = new Set<number>();
    let next = 0;
    let killed = false;
    const worker = async () => {
      while (!killed) {
        const i = next++;
        try {
          await unary(client, 'Put', { key: Buffer.from(`k/${i}`), value: Buffer.from(`v${i}`) });
          if (!killed) acked.add(i);
        } catch {
          return; // the member is gone
        }
      }
    };
    const workers = Array.from({ length: 32 }, worker);
    const deadline = performance.now() + 60_000;
    while (acked.size < 1500 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(acked.size).toBeGreaterThanOrEqual(1500);
    // Acknowledgements that arrive after the kill was sent are not counted: only what the client saw before it.
    killed = true;
    const snapshot = [...acked];
    await member.kill9();
    await Promise.all(workers);
    client.close();

    member.launch();
    await member.waitHealthy();
    const after = kvClient(member.clientUrl);
    const r = await unary<{ kvs: Array<{ key: Buffer; value: Buffer }> }>(after, 'Range', { key: Buffer.from('k/'), range_end: Buffer.from('k0') });
    const present = new Map(r.kvs.map((kv) => [kv.key.toString(), kv.value.toString()]));
    const missing = snapshot.filter((i) => present.get(`k/${i}`) !== `v${i}`);
    expect(missing).toEqual([]);
    after.close();
  });

  it('keeps data and revision across a clean restart', async () => {
    const member = cluster.members[0];
    let c = kvClient(member.clientUrl);
    const put = await unary<{ header: { revision: bigint } }>(c, 'Put', { key: Buffer.from('restart/k'), value: Buffer.from('v') });
    c.close();
    await member.restart();
    c = kvClient(member.clientUrl);
    const r = await unary<{ header: { revision: bigint }; kvs: Array<{ value: Buffer; mod_revision: bigint }> }>(c, 'Range', { key: Buffer.from('restart/k') });
    expect(r.kvs[0].value.toString()).toBe('v');
    expect(r.kvs[0].mod_revision).toBe(put.header.revision);
    expect(r.header.revision).toBe(put.header.revision);
    c.close();
  });
});
