// Two edges where barque once differed from etcd 3.4.23, checked against the real thing on fresh 1-member clusters:
// Compact at revision 0/1 before any compaction and at or below the compacted revision (etcd's compactMainRev
// starts at -1), and a Watch stream whose client half-closes its send side (etcd keeps delivering). Multi-process.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEtcdProtos, type EtcdServiceName } from '../src/store/proto/index.ts';
import { EtcdCluster, type EtcdImpl } from '../src/store/testing/etcd-process.ts';

const IMPLS: EtcdImpl[] = ['etcd', 'barque'];
const clusters = new Map<EtcdImpl, EtcdCluster>();
const clients: grpc.Client[] = [];

type Outcome = { ok: true; resp: Record<string, unknown> } | { ok: false; code: grpc.status; details: string };
type Unary = (req: unknown, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, resp: Record<string, unknown>) => void) => void;

function client(impl: EtcdImpl, service: EtcdServiceName): grpc.Client {
  const url = clusters.get(impl)!.members[0].clientUrl.replace('http://', '');
  const c = new (loadEtcdProtos().services[service].Client)(url, grpc.credentials.createInsecure());
  clients.push(c);
  return c;
}

function unary(c: grpc.Client, method: string, req: unknown): Promise<Outcome> {
  const fn = (c as unknown as Record<string, Unary>)[method].bind(c);
  return new Promise((resolve) => {
    fn(req, { deadline: Date.now() + 10_000 }, (err, resp) => resolve(err ? { ok: false, code: err.code, details: err.details } : { ok: true, resp }));
  });
}

/** What a client can see of an answer: the status, or the header revision and the fields asked for. */
function visible(o: Outcome, fields: string[] = []): unknown {
  if (!o.ok) return { code: o.code, details: o.details };
  const header = o.resp.header as { revision: unknown };
  return { revision: String(header.revision), ...Object.fromEntries(fields.map((f) => [f, String(o.resp[f])])) };
}

beforeAll(async () => {
  for (const impl of IMPLS) clusters.set(impl, await EtcdCluster.start({ impl, members: 1 }));
}, 120_000);
afterAll(async () => {
  for (const c of clients) c.close();
  for (const c of clusters.values()) await c.cleanup();
});

describe('store: compaction and watch edges as etcd 3.4.23 (process)', () => {
  it('answers Compact at 0, 1, the compacted revision, below it and past the latest exactly as etcd', async () => {
    const steps: Array<['compact', number] | ['put', string] | ['hashkv']> = [
      ['hashkv'],
      ['compact', 0],
      ['hashkv'],
      ['compact', 0],
      ['compact', 1],
      ['compact', 1],
      ['compact', -1],
      ['compact', 2],
      ['put', 'a'],
      ['put', 'a'],
      ['put', 'b'],
      ['compact', 3],
      ['compact', 2],
      ['compact', 3],
      ['hashkv'],
      ['compact', 4],
      ['compact', 5],
    ];
    const seen = new Map<EtcdImpl, unknown[]>();
    for (const impl of IMPLS) {
      const kv = client(impl, 'KV');
      const maintenance = client(impl, 'Maintenance');
      const answers: unknown[] = [];
      for (const step of steps) {
        if (step[0] === 'compact') answers.push([step, visible(await unary(kv, 'Compact', { revision: BigInt(step[1]) }))]);
        else if (step[0] === 'put') answers.push([step, visible(await unary(kv, 'Put', { key: Buffer.from(step[1]), value: Buffer.from('v') }))]);
        else answers.push([step, visible(await unary(maintenance, 'HashKV', { revision: 0n }), ['compact_revision'])]);
      }
      seen.set(impl, answers);
    }
    expect(seen.get('barque')).toEqual(seen.get('etcd'));
    // What etcd does, spelled out: the first compaction at 0 succeeds; later ones are judged against it.
    const etcd = seen.get('etcd')!;
    expect(etcd[1]).toEqual([['compact', 0], { revision: '1' }]);
    expect(etcd[3]).toEqual([['compact', 0], { code: grpc.status.OUT_OF_RANGE, details: 'etcdserver: mvcc: required revision has been compacted' }]);
  });

  it('keeps delivering events on a Watch stream after the client half-closes it', async () => {
    const delivered = new Map<EtcdImpl, string[]>();
    for (const impl of IMPLS) {
      const watch = client(impl, 'Watch');
      const kv = client(impl, 'KV');
      const stream = (watch as unknown as Record<string, () => grpc.ClientDuplexStream<unknown, Record<string, unknown>>>).Watch.call(watch);
      const values: string[] = [];
      let created!: () => void;
      const isCreated = new Promise<void>((resolve) => (created = resolve));
      let gotBoth!: () => void;
      const both = new Promise<void>((resolve) => (gotBoth = resolve));
      let ended = false;
      stream.on('data', (r: { created: boolean; events: Array<{ kv: { value: Buffer } }> }) => {
        if (r.created) created();
        for (const e of r.events) values.push(e.kv.value.toString());
        if (values.length >= 2) gotBoth();
      });
      stream.on('error', () => undefined); // the cancel below
      stream.on('end', () => (ended = true));
      stream.write({ create_request: { key: Buffer.from('hc/'), range_end: Buffer.from('hc0') } });
      await isCreated;
      stream.end(); // half-close: nothing more to send, still listening
      expect((await unary(kv, 'Put', { key: Buffer.from('hc/1'), value: Buffer.from('one') })).ok).toBe(true);
      expect((await unary(kv, 'Put', { key: Buffer.from('hc/2'), value: Buffer.from('two') })).ok).toBe(true);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${impl}: events after half-close never came (got ${values.join(',')}; ended: ${ended})`)), 20_000);
      });
      await Promise.race([both, late]).finally(() => clearTimeout(timer));
      expect(ended).toBe(false);
      stream.cancel();
      delivered.set(impl, values);
    }
    expect(delivered.get('barque')).toEqual(['one', 'two']);
    expect(delivered.get('barque')).toEqual(delivered.get('etcd'));
  });
});
