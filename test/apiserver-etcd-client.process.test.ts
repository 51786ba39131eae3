// The apiserver's etcd client against barque's store and real etcd 3.4: a list of more than grpc-js's default
// 4 MiB answer limit comes back whole, as it does to kube-apiserver's clientv3 (the watch cache's first list of
// 3,000 pods is ~11 MiB; before, the apiserver retried that list forever and never became ready).
import { afterAll, describe, expect, it } from 'vitest';
import { EtcdClient } from '../src/apiserver/storage/index.ts';
import { EtcdCluster } from '../src/store/testing/etcd-process.ts';

const VALUE = Buffer.alloc(1024 * 1024, 'v');
const KEYS = 6;

for (const impl of ['barque', 'etcd'] as const) {
  describe(`apiserver etcd client on ${impl === 'etcd' ? 'real etcd 3.4' : "barque's store"}`, () => {
    let cluster: EtcdCluster | undefined;
    let client: EtcdClient | undefined;
    afterAll(async () => {
      client?.close();
      await cluster?.stop();
      await cluster?.cleanup(); // its data dir too: the exit hook does not run when the test worker is torn down
    });

    it(`lists ${KEYS} MiB in one range`, async () => {
      cluster = await EtcdCluster.start({ impl, members: 1 });
      client = new EtcdClient({ endpoints: cluster.clientUrls() });
      for (let i = 0; i < KEYS; i++) await client.txn([], [{ op: 'put', key: Buffer.from(`/registry/big/${i}`), value: VALUE }], []);
      const listed = await client.range(Buffer.from('/registry/big/'), { rangeEnd: Buffer.from('/registry/big0') });
      expect(listed.kvs).toHaveLength(KEYS);
      expect(listed.kvs.every((kv) => kv.value.equals(VALUE))).toBe(true);
    }, 60_000);
  });
}
