// Differential byte fuzzing: one seeded corpus of raw request bytes (random, mutated valid encodings, empty,
// oversize) sent in the same order to a real etcd 3.4.23 process and to barque, at the unary KV, Lease and
// Maintenance methods; each answer's (code, text) must be etcd's. Texts that come from the gRPC library itself
// (decode failures, the receive limit) are compared by code only: grpc-go and grpc-js word them differently.
// Needs the reference etcd binary (fails loudly without it). FUZZ_SEED=<n> replays a run.
import * as grpc from '@grpc/grpc-js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEtcdProtos } from '../src/store/proto/index.ts';
import { startTestMember, type TestMember } from '../src/store/server/test-server.ts';
import { EtcdCluster } from '../src/store/testing/etcd-process.ts';
import { allMethods, rawCall, rawClient, type MethodInfo, type Outcome } from './fuzz/raw-call.ts';
import { requestBytesArb } from './fuzz/request-bytes.ts';
import { undecodable } from './fuzz/expectations.ts';
import { checkWire } from '../src/store/server/strict-wire.ts';

/** Far longer than a run, so no lease expires during it. */
const MIN_TTL_S = 3600n;
const SEED = Number(process.env.FUZZ_SEED ?? 20261123);
const CASES = Number(process.env.FUZZ_CASES ?? 400);

/**
 * Unary methods with no effect beyond the store. Left out: Alarm (ACTIVATE of alarm NONE makes etcd 3.4.23 exit,
 * seen while building this test), Defragment and Snapshot (slow, no input to speak of), MoveLeader.
 */
const DIFFERENTIAL = new Set([
  '/etcdserverpb.KV/Range',
  '/etcdserverpb.KV/Put',
  '/etcdserverpb.KV/DeleteRange',
  '/etcdserverpb.KV/Txn',
  '/etcdserverpb.KV/Compact',
  '/etcdserverpb.Lease/LeaseGrant',
  '/etcdserverpb.Lease/LeaseRevoke',
  '/etcdserverpb.Lease/LeaseTimeToLive',
  '/etcdserverpb.Lease/LeaseLeases',
  '/etcdserverpb.Maintenance/Status',
  '/etcdserverpb.Maintenance/Hash',
  '/etcdserverpb.Maintenance/HashKV',
]);

function comparable(o: Outcome): string {
  if (o.kind !== 'error') return 'OK';
  if (o.code === grpc.status.INTERNAL) return 'INTERNAL (decode failure)';
  if (o.code === grpc.status.RESOURCE_EXHAUSTED && /larger than max/i.test(o.details ?? '')) return 'RESOURCE_EXHAUSTED (receive limit)';
  return `${grpc.status[o.code ?? 2]} ${o.details}`;
}

/** Whether the etcd process is gone (or goes within a few seconds: its exit may trail the dropped call). */
async function exited(cluster: EtcdCluster): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    if (!cluster.members[0].running) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

describe(`fuzz: barque answers raw bytes as etcd 3.4.23 does (seed ${SEED})`, () => {
  let etcd: EtcdCluster;
  let barque: TestMember;
  let etcdClient: grpc.Client;
  let barqueClient: grpc.Client;

  beforeAll(async () => {
    [etcd, barque] = await Promise.all([EtcdCluster.start({ impl: 'etcd', members: 1 }), startTestMember()]);
    etcdClient = rawClient(etcd.clientUrls()[0].replace(/^http:\/\//, ''));
    barqueClient = rawClient(barque.address);
  });
  afterAll(async () => {
    etcdClient?.close();
    barqueClient?.close();
    await Promise.all([etcd?.cleanup(), barque?.close()]);
  });

  it('gives the same status for every input of the corpus', async () => {
    const methods = allMethods().filter((m) => DIFFERENTIAL.has(m.path));
    expect(methods.length).toBe(DIFFERENTIAL.size);
    const codecs = loadEtcdProtos().codecs;
    // Same starting point on both: a write and a compaction at revision 2, so that "compacted" means the same.
    const setup: Array<[string, Buffer]> = [
      ['/etcdserverpb.KV/Put', codecs.type('etcdserverpb.PutRequest').encode({ key: Buffer.from('a'), value: Buffer.from('1') })],
      ['/etcdserverpb.KV/Compact', codecs.type('etcdserverpb.CompactionRequest').encode({ revision: 2n })],
    ];
    const corpus = fc.sample(
      fc.constantFrom(...methods).chain((m) => requestBytesArb(m.requestType).map((bytes) => [m.path, bytes] as [string, Buffer])),
      { seed: SEED, numRuns: CASES },
    );
    const byPath = new Map<string, MethodInfo>(methods.map((m) => [m.path, m]));
    const grant = loadEtcdProtos().root.lookupType('etcdserverpb.LeaseGrantRequest');
    // Leases must not expire during the run: when one expires is timing, different on two servers, not semantics.
    const longLived = (path: string, bytes: Buffer): Buffer => {
      if (path !== '/etcdserverpb.Lease/LeaseGrant' || undecodable(byPath.get(path)!, bytes)) return bytes;
      const req = codecs.type<{ TTL: bigint; ID: bigint }>('etcdserverpb.LeaseGrantRequest').decode(checkWire(grant, bytes));
      return req.TTL >= MIN_TTL_S ? bytes : codecs.type('etcdserverpb.LeaseGrantRequest').encode({ ...req, TTL: MIN_TTL_S });
    };
    const mismatches: string[] = [];
    const etcdCrashes: string[] = [];
    for (const [i, [path, input]] of [...setup, ...corpus].entries()) {
      const bytes = longLived(path, input);
      const m = byPath.get(path)!;
      const [want, got] = await Promise.all([rawCall(etcdClient, m, bytes), rawCall(barqueClient, m, bytes)]);
      if (want.code === grpc.status.UNAVAILABLE && (await exited(etcd))) {
        // etcd 3.4.23 itself dies on some inputs (a reference bug, not ours): note it, restart it on its data.
        etcdCrashes.push(`#${i} ${path} ${bytes.toString('hex').slice(0, 160)}`);
        await etcd.members[0].restart();
        etcdClient.close();
        etcdClient = rawClient(etcd.clientUrls()[0].replace(/^http:\/\//, ''));
        continue;
      }
      if (comparable(want) !== comparable(got)) {
        mismatches.push(`#${i} ${path} ${bytes.toString('hex').slice(0, 160)}\n    etcd:   ${comparable(want)}\n    barque: ${comparable(got)}`);
      }
    }
    if (etcdCrashes.length > 0) console.warn(`etcd 3.4.23 exited on ${etcdCrashes.length} input(s):\n${etcdCrashes.join('\n')}`);
    expect(mismatches.slice(0, 20), `seed ${SEED}: ${mismatches.length} of ${corpus.length} differ`).toEqual([]);
    expect(etcdCrashes.length).toBeLessThan(corpus.length / 10);
  });
});
