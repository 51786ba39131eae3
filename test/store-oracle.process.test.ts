// The same gRPC requests against real etcd 3.4.23 and `bin/barque etcd`: the same status code and text for bad
// input, the same shape for good input. Multi-process.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEtcdProtos, type EtcdServiceName } from '../src/store/proto/index.ts';
import { EtcdCluster, type EtcdImpl } from '../src/store/testing/etcd-process.ts';

const b = (s: string) => Buffer.from(s);
const IMPLS: EtcdImpl[] = ['etcd', 'barque'];
const clusters = new Map<EtcdImpl, EtcdCluster>();
const clients = new Map<string, grpc.Client>();

function call(impl: EtcdImpl, service: EtcdServiceName, method: string, req: unknown): Promise<{ ok: true; resp: Record<string, unknown> } | { ok: false; code: grpc.status; details: string }> {
  const key = `${impl}/${service}`;
  let c = clients.get(key);
  if (c === undefined) {
    const url = clusters.get(impl)!.members[0].clientUrl.replace('http://', '');
    c = new (loadEtcdProtos().services[service].Client)(url, grpc.credentials.createInsecure());
    clients.set(key, c);
  }
  const client = c as unknown as Record<string, (req: unknown, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, resp: Record<string, unknown>) => void) => void>;
  return new Promise((resolve) => {
    client[method](req, { deadline: Date.now() + 10_000 }, (err, resp) => resolve(err ? { ok: false, code: err.code, details: err.details } : { ok: true, resp }));
  });
}

beforeAll(async () => {
  for (const impl of IMPLS) clusters.set(impl, await EtcdCluster.start({ impl, members: 1 }));
});
afterAll(async () => {
  for (const c of clients.values()) c.close();
  for (const c of clusters.values()) await c.cleanup();
});

const ops = (n: number) => Array.from({ length: n }, (_, i) => ({ request_put: { key: b(`k${i}`), value: b('v') } }));

const BAD_INPUT: Array<[string, EtcdServiceName, string, unknown]> = [
  ['put with an empty key', 'KV', 'Put', { key: b(''), value: b('v') }],
  ['range with an empty key', 'KV', 'Range', { key: b('') }],
  ['delete with an empty key', 'KV', 'DeleteRange', { key: b('') }],
  ['txn with 129 ops', 'KV', 'Txn', { success: ops(129) }],
  ['txn putting one key twice', 'KV', 'Txn', { success: [{ request_put: { key: b('d'), value: b('1') } }, { request_put: { key: b('d'), value: b('2') } }] }],
  ['txn putting inside a deleted range', 'KV', 'Txn', { success: [{ request_delete_range: { key: b('a'), range_end: b('z') } }, { request_put: { key: b('m'), value: b('1') } }] }],
  ['put ignore_value on a missing key', 'KV', 'Put', { key: b('missing'), ignore_value: true }],
  ['put ignore_lease on a missing key', 'KV', 'Put', { key: b('missing'), ignore_lease: true }],
  ['put with ignore_value and a value', 'KV', 'Put', { key: b('x'), value: b('v'), ignore_value: true }],
  ['put with an unknown lease', 'KV', 'Put', { key: b('k'), value: b('v'), lease: 12345n }],
  ['put over max-request-bytes', 'KV', 'Put', { key: b('big'), value: Buffer.alloc(1.6 * 1024 * 1024) }],
  ['range at a future revision', 'KV', 'Range', { key: b('k'), revision: 1000n }],
  ['compact at a future revision', 'KV', 'Compact', { revision: 1000n }],
  ['revoke an unknown lease', 'Lease', 'LeaseRevoke', { ID: 12345n }],
  ['grant a lease TTL too large', 'Lease', 'LeaseGrant', { TTL: 9_000_000_001n }],
  ['authenticate with auth disabled', 'Auth', 'Authenticate', { name: 'root', password: 'x' }],
  ['enable auth without root', 'Auth', 'AuthEnable', {}],
  ['get an unknown user', 'Auth', 'UserGet', { name: 'nobody' }],
  ['get an unknown role', 'Auth', 'RoleGet', { role: 'nobody' }],
  ['move leadership to an unknown member', 'Maintenance', 'MoveLeader', { targetID: 1n }],
  ['lock with an unknown lease', 'Lock', 'Lock', { name: b('lk'), lease: 777n }],
  ['leader of an election nobody campaigns in', 'Election', 'Leader', { name: b('nobody') }],
  ['proclaim without a leader key', 'Election', 'Proclaim', { value: b('x') }],
  ['resign without a leader key', 'Election', 'Resign', {}],
  ['proclaim with a stale leader key', 'Election', 'Proclaim', { leader: { name: b('e'), key: b('e/1'), rev: 1n, lease: 1n }, value: b('x') }],
];

describe('store: barque answers as etcd 3.4.23 (process)', () => {
  it.each(BAD_INPUT)('%s', async (_name, service, method, req) => {
    const [real, ours] = await Promise.all(IMPLS.map((impl) => call(impl, service, method, req)));
    expect(ours).toEqual(real);
  });

  it('answers unknown leases in TimeToLive and empty auth lists the same way', async () => {
    for (const [service, method, req, fields] of [
      ['Lease', 'LeaseTimeToLive', { ID: 12345n }, ['ID', 'TTL', 'grantedTTL', 'keys']],
      ['Auth', 'UserList', {}, ['users']],
      ['Auth', 'RoleList', {}, ['roles']],
      ['Maintenance', 'Alarm', { action: 0 }, ['alarms']],
    ] as const) {
      const [real, ours] = await Promise.all(IMPLS.map((impl) => call(impl, service, method, req)));
      const pick = (r: typeof real) => (r.ok ? Object.fromEntries(fields.map((f) => [f, r.resp[f]])) : r);
      expect(pick(ours), method).toEqual(pick(real));
    }
  });

  it('reports status and membership in the same shape', async () => {
    const shapes = await Promise.all(
      IMPLS.map(async (impl) => {
        const status = (await call(impl, 'Maintenance', 'Status', {})) as unknown as { resp: { header: { member_id: bigint; raft_term: bigint }; version: string; leader: bigint; errors: string[]; isLearner: boolean } };
        const members = (await call(impl, 'Cluster', 'MemberList', {})) as unknown as { resp: { header: { revision: bigint }; members: Array<{ name: string; isLearner: boolean; clientURLs: string[] }> } };
        return {
          version: status.resp.version,
          leaderIsMe: status.resp.leader === status.resp.header.member_id,
          term: status.resp.header.raft_term,
          errors: status.resp.errors,
          isLearner: status.resp.isLearner,
          memberListRevision: members.resp.header.revision,
          members: members.resp.members.map((m) => ({ learner: m.isLearner, clientUrls: m.clientURLs.length })),
        };
      }),
    );
    expect(shapes[1]).toEqual(shapes[0]);
  });

  it('answers good requests with the same bodies (revisions relative)', async () => {
    const bodies = await Promise.all(
      IMPLS.map(async (impl) => {
        const base = ((await call(impl, 'KV', 'Put', { key: b('g/base'), value: b('x') })) as unknown as { resp: { header: { revision: bigint } } }).resp.header.revision;
        const out: unknown[] = [];
        const keep = (r: Awaited<ReturnType<typeof call>>) => out.push(normalize(r.ok ? r.resp : r, base));
        keep(await call(impl, 'KV', 'Put', { key: b('g/a'), value: b('1'), prev_kv: true }));
        keep(await call(impl, 'KV', 'Put', { key: b('g/a'), value: b('2'), prev_kv: true }));
        keep(await call(impl, 'KV', 'Put', { key: b('g/b'), value: b('3') }));
        keep(
          await call(impl, 'KV', 'Txn', {
            compare: [{ result: 0, target: 3, key: b('g/a'), value: b('2') }],
            success: [
              { request_range: { key: b('g/'), range_end: b('g0'), limit: 1n, sort_order: 2, sort_target: 0 } },
              { request_put: { key: b('g/c'), value: b('4'), prev_kv: true } },
              { request_delete_range: { key: b('g/b'), prev_kv: true } },
            ],
          }),
        );
        keep(await call(impl, 'KV', 'Range', { key: b('g/'), range_end: b('g0'), keys_only: true }));
        keep(await call(impl, 'KV', 'Range', { key: b('g/'), range_end: b('g0'), count_only: true }));
        keep(await call(impl, 'KV', 'DeleteRange', { key: b('g/'), range_end: b('g0'), prev_kv: true }));
        return out;
      }),
    );
    expect(bodies[1]).toEqual(bodies[0]);
  });

  it('runs a watch session the same way', async () => {
    const sessions = await Promise.all(IMPLS.map((impl) => watchSession(impl)));
    expect(sessions[0]).toHaveLength(7);
    expect(sessions[1]).toEqual(sessions[0]);
  });

  it('fails malformed protobuf with the same status code', async () => {
    const garbage = Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]);
    const codes = await Promise.all(
      IMPLS.map((impl) => {
        const raw = new grpc.Client(clusters.get(impl)!.members[0].clientUrl.replace('http://', ''), grpc.credentials.createInsecure());
        const id = (x: Buffer) => x;
        return new Promise<grpc.status>((resolve) =>
          raw.makeUnaryRequest('/etcdserverpb.KV/Put', id, id, garbage, (err) => {
            raw.close();
            resolve(err ? err.code : grpc.status.OK);
          }),
        );
      }),
    );
    expect(codes[1]).toBe(codes[0]);
  });

  it('compacts and then refuses the compacted revision the same way', async () => {
    const outcomes = await Promise.all(
      IMPLS.map(async (impl) => {
        await call(impl, 'KV', 'Put', { key: b('c'), value: b('1') });
        const put = await call(impl, 'KV', 'Put', { key: b('c'), value: b('2') });
        const rev = (put as unknown as { resp: { header: { revision: bigint } } }).resp.header.revision;
        await call(impl, 'KV', 'Compact', { revision: rev, physical: true });
        return [await call(impl, 'KV', 'Range', { key: b('c'), revision: rev - 1n }), await call(impl, 'KV', 'Compact', { revision: rev })];
      }),
    );
    expect(outcomes[1]).toEqual(outcomes[0]);
  });
});

interface WatchResp {
  header: { revision: bigint };
  watch_id: bigint;
  created: boolean;
  canceled: boolean;
  compact_revision: bigint;
  cancel_reason: string;
  fragment: boolean;
  events: Array<{ type: number; kv: { key: Buffer; value: Buffer; mod_revision: bigint; version: bigint }; prev_kv: { value: Buffer } | null }>;
}

/** create (with prev_kv), a duplicate ID, puts and a delete, a progress request, a cancel: responses with revisions relative to the start. */
async function watchSession(impl: EtcdImpl): Promise<unknown[]> {
  const url = clusters.get(impl)!.members[0].clientUrl.replace('http://', '');
  const client = new (loadEtcdProtos().services.Watch.Client)(url, grpc.credentials.createInsecure()) as unknown as { Watch(): grpc.ClientDuplexStream<unknown, WatchResp> };
  const base = ((await call(impl, 'KV', 'Put', { key: b('ow-base'), value: b('x') })) as unknown as { resp: { header: { revision: bigint } } }).resp.header.revision;
  const stream = client.Watch();
  const got: WatchResp[] = [];
  stream.on('data', (r: WatchResp) => got.push(r));
  stream.on('error', () => undefined);
  const waitFor = async (n: number) => {
    for (let i = 0; i < 400 && got.length < n; i++) await new Promise((r) => setTimeout(r, 25));
  };
  stream.write({ create_request: { key: b('ow'), prev_kv: true, watch_id: 7n } });
  await waitFor(1);
  stream.write({ create_request: { key: b('other'), watch_id: 7n } });
  await waitFor(2);
  await call(impl, 'KV', 'Put', { key: b('ow'), value: b('1') });
  await call(impl, 'KV', 'Put', { key: b('ow'), value: b('2') });
  await call(impl, 'KV', 'DeleteRange', { key: b('ow') });
  await waitFor(5);
  stream.write({ progress_request: {} });
  await waitFor(6);
  stream.write({ cancel_request: { watch_id: 7n } });
  await waitFor(7);
  stream.end();
  (client as unknown as grpc.Client).close();
  const rel = (r: bigint) => (r === 0n ? 'zero' : Number(r - base));
  return got.map((r) => ({
    revision: rel(r.header.revision),
    watchId: r.watch_id,
    created: r.created,
    canceled: r.canceled,
    compactRevision: r.compact_revision,
    cancelReason: r.cancel_reason,
    fragment: r.fragment,
    events: r.events.map((e) => ({ type: e.type, key: e.kv.key.toString(), value: e.kv.value.toString(), mod: rel(e.kv.mod_revision), version: e.kv.version, prev: e.prev_kv?.value.toString() ?? null })),
  }));
}

/** Drops member-specific header fields and makes revisions relative to base, so two fresh members compare. */
function normalize(value: unknown, base: bigint, field = ''): unknown {
  if (typeof value === 'bigint') return /revision$/.test(field) && value !== 0n ? `rev+${value - base}` : value;
  if (Buffer.isBuffer(value)) return value.toString();
  if (Array.isArray(value)) return value.map((v) => normalize(v, base, field));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === 'cluster_id' || k === 'member_id') continue;
      out[k] = normalize(v, base, k);
    }
    return out;
  }
  return value;
}
