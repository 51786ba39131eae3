// Compare-and-swap through Txn, as Kubernetes updates objects: each client owns one key and writes it only if its
// mod_revision is the one it last saw (a missing key compares as 0). A failed compare counts as an error.
import { casTxnFrame, encodePutRequest, KV_TXN, paddedKey, readCasOutcome } from '../etcd-requests.ts';
import type { BenchSettings, Workload } from './types.ts';
import { runUnaryLoop } from './unary-loop.ts';

export function txnCasWorkload(settings: BenchSettings): Workload {
  const clients = settings.readClients;
  const workload: Workload = {
    id: 'txn compare-and-swap',
    group: 'txn',
    clients,
    run: (ctx) => {
      const value = Buffer.alloc(settings.valueBytes);
      const keys = Array.from({ length: clients }, (_, c) => paddedKey(`/bench/txn/${ctx.target.name}/`, c, settings.keyBytes));
      const puts = keys.map((k) => encodePutRequest(k, value));
      const expected = keys.map(() => 0n);
      return runUnaryLoop(ctx, {
        workload,
        path: KV_TXN,
        clients,
        frameFor: (c) => casTxnFrame(keys[c], expected[c], puts[c]),
        onReply: (c, reply) => {
          if (reply.body === null) return 'txn: empty response';
          const outcome = readCasOutcome(reply.body);
          expected[c] = outcome.modRevision;
          return outcome.succeeded ? null : 'txn: compare failed';
        },
        notes: { keys: clients },
      });
    },
  };
  return workload;
}
