// The store's write history for the watch validators: after convergence, one watch from revision 2 over every
// key reads back each revision's events up to the convergence marker. (Auto-compaction is off in these runs, so
// nothing is compacted away.) HashKV agreement across members is checked separately.
import type { RevisionRecord } from '../index.ts';
import type { EtcdRpc } from './etcd-rpc.ts';
import { text } from './kv-wire.ts';

interface WireKv {
  key: Buffer;
  value: Buffer;
  create_revision: bigint;
  version: bigint;
  lease: bigint;
  mod_revision: bigint;
}

/** Every revision from 2 to `upTo`, each with its events; rejects if the stream fails or `timeoutMs` passes. */
export function readWriteHistory(rpc: EtcdRpc, upTo: number, timeoutMs: number): Promise<RevisionRecord[]> {
  const byRevision = new Map<number, RevisionRecord['events'][number][]>();
  return new Promise((resolve, reject) => {
    const call = rpc.watch();
    let done = false;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      call.removeAllListeners('data');
      call.on('error', () => undefined);
      call.cancel();
      if (err !== undefined) return reject(err);
      const records: RevisionRecord[] = [];
      for (let rev = 2; rev <= upTo; rev++) records.push({ revision: rev, events: byRevision.get(rev) ?? [] });
      resolve(records);
    };
    const timer = setTimeout(() => finish(new Error(`write history: no event at revision ${upTo} within ${timeoutMs} ms`)), timeoutMs);
    call.on('error', (err: Error) => finish(err));
    call.on('data', (r: Record<string, unknown>) => {
      const events = r.events as Array<{ type: number; kv: WireKv }>;
      for (const e of events) {
        const rev = Number(e.kv.mod_revision);
        let list = byRevision.get(rev);
        if (list === undefined) byRevision.set(rev, (list = []));
        if (e.type === 1) list.push({ type: 'delete', key: text(e.kv.key) });
        else
          list.push({
            type: 'put',
            key: text(e.kv.key),
            value: text(e.kv.value),
            createRevision: Number(e.kv.create_revision),
            version: Number(e.kv.version),
            lease: Number(e.kv.lease),
          });
      }
      if (events.length > 0 && Number(events[events.length - 1].kv.mod_revision) >= upTo && r.fragment !== true) finish();
    });
    call.write({ create_request: { key: Buffer.from([0]), range_end: Buffer.from([0]), start_revision: 2 } });
  });
}
