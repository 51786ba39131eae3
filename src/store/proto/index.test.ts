import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asInt64, asUint64, formatId, loadEtcdProtos, loadRaftProtos, parseId, toBigInt, toSafeNumber } from './index.ts';

const BIG_LEASE = 0x694d_7c1e_35a0_9b21n; // above 2^53, like the lease ids etcd hands out
const BIG_MEMBER = 0xfedc_ba98_7654_3210n; // above 2^63: only representable as uint64

describe('etcd codecs', () => {
  const { codecs } = loadEtcdProtos();

  it('encodes the exact bytes etcd expects for a small PutRequest', () => {
    const bytes = codecs.type('etcdserverpb.PutRequest').encode({ key: Buffer.from('a'), value: Buffer.from('b'), lease: 1n });
    expect(bytes.toString('hex')).toBe('0a0161120162' + '1801');
  });

  it('keeps 64-bit values exact in both directions, signed and unsigned', () => {
    const put = codecs.type('etcdserverpb.PutRequest');
    expect(put.decode(put.encode({ lease: BIG_LEASE })).lease).toBe(BIG_LEASE);
    expect(put.decode(put.encode({ lease: -BIG_LEASE })).lease).toBe(-BIG_LEASE);
    const member = codecs.type('etcdserverpb.Member');
    expect(member.decode(member.encode({ ID: BIG_MEMBER })).ID).toBe(BIG_MEMBER);
    // Small constants may be passed as numbers or decimal strings.
    expect(put.decode(put.encode({ lease: 7 })).lease).toBe(7n);
    expect(put.decode(put.encode({ lease: '9007199254740993' })).lease).toBe(9_007_199_254_740_993n);
  });

  it('reads absent fields as zero values and absent messages as null', () => {
    const range = codecs.type('etcdserverpb.RangeResponse');
    const decoded = range.decode(Buffer.alloc(0));
    expect(decoded).toEqual({ header: null, kvs: [], more: false, count: 0n });
    const kv = codecs.type('mvccpb.KeyValue').decode(Buffer.alloc(0));
    expect(Buffer.isBuffer(kv.key)).toBe(true);
    expect(kv.key).toHaveLength(0);
    expect(kv.lease).toBe(0n);
  });

  it('returns bytes as Buffers, enums as numbers and names the chosen oneof member', () => {
    const txn = codecs.type('etcdserverpb.TxnRequest');
    const encoded = txn.encode({
      compare: [{ result: 3, target: 2, key: Buffer.from('k'), mod_revision: 5n }],
      success: [{ request_put: { key: Buffer.from('k'), value: Buffer.from([0, 1, 2]) } }],
    });
    const decoded = txn.decode(new Uint8Array(encoded)) as {
      compare: { result: number; target_union: string; mod_revision: bigint }[];
      success: { request: string; request_put: { value: Buffer } }[];
    };
    expect(decoded.compare[0]).toMatchObject({ result: 3, target_union: 'mod_revision', mod_revision: 5n });
    expect(decoded.success[0].request).toBe('request_put');
    expect(Buffer.isBuffer(decoded.success[0].request_put.value)).toBe(true);
    expect([...decoded.success[0].request_put.value]).toEqual([0, 1, 2]);
  });

  it('refuses lossy 64-bit input', () => {
    const put = codecs.type('etcdserverpb.PutRequest');
    expect(() => toBigInt(2 ** 60)).toThrow(RangeError);
    expect(() => toBigInt('12a')).toThrow(RangeError);
    expect(toSafeNumber(put.decode(put.encode({ lease: 42n })).lease as bigint)).toBe(42);
    expect(() => toSafeNumber(BIG_LEASE)).toThrow(RangeError);
  });

  it('encodes a large message twice identically (the shared writer is reset)', () => {
    const range = codecs.type('etcdserverpb.RangeResponse');
    const kvs = Array.from({ length: 300 }, (_, i) => ({ key: Buffer.alloc(256, i), value: Buffer.alloc(1024, i), mod_revision: BigInt(i) }));
    const first = range.encode({ kvs, count: 300n });
    const second = range.encode({ kvs, count: 300n });
    expect(first.equals(second)).toBe(true);
    expect((range.decode(first).kvs as unknown[]).length).toBe(300);
  });
});

describe('id helpers', () => {
  it('print and parse ids the way etcdctl shows them', () => {
    expect(formatId(BIG_MEMBER)).toBe('fedcba9876543210');
    expect(parseId('fedcba9876543210')).toBe(BIG_MEMBER);
    expect(parseId('0x1f')).toBe(31n);
    expect(asInt64(BIG_MEMBER)).toBe(BIG_MEMBER - 2n ** 64n);
    expect(asUint64(asInt64(BIG_MEMBER))).toBe(BIG_MEMBER);
    expect(formatId(-1n)).toBe('ffffffffffffffff');
  });
});

describe('grpc service definitions', () => {
  it('cover every etcd service with etcd paths and streaming flags', () => {
    const { services } = loadEtcdProtos();
    expect(Object.keys(services).sort()).toEqual(['Auth', 'Cluster', 'Election', 'KV', 'Lease', 'Lock', 'Maintenance', 'Watch']);
    expect(services.KV.definition.Range).toMatchObject({ path: '/etcdserverpb.KV/Range', requestStream: false, responseStream: false });
    expect(services.Watch.definition.Watch).toMatchObject({ requestStream: true, responseStream: true });
    expect(services.Lease.definition.LeaseKeepAlive).toMatchObject({ requestStream: true, responseStream: true });
    expect(services.Maintenance.definition.Snapshot).toMatchObject({ requestStream: false, responseStream: true });
    expect(services.Election.definition.Observe.path).toBe('/v3electionpb.Election/Observe');
    expect(services.Lock.definition.Lock.path).toBe('/v3lockpb.Lock/Lock');
  });

  it('define the raft peer stream', () => {
    const { services, codecs } = loadRaftProtos();
    expect(services.RaftPeer.definition.Stream).toMatchObject({
      path: '/barque.raft.RaftPeer/Stream',
      requestStream: true,
      responseStream: true,
    });
    const frame = codecs.type('barque.raft.PeerMessage');
    const decoded = frame.decode(
      frame.encode({ seq: 1n, messages: [{ type: 4, to: BIG_MEMBER, from: 2n, term: 3n, entries: [{ index: 9n, data: Buffer.from('x') }] }] }),
    ) as { messages: { to: bigint; entries: { index: bigint; data: Buffer }[] }[] };
    expect(decoded.messages[0].to).toBe(BIG_MEMBER);
    expect(decoded.messages[0].entries[0].index).toBe(9n);
  });
});

describe('grpc round trip through our own server and client', () => {
  const { services } = loadEtcdProtos();
  const server = new grpc.Server();
  let client: grpc.Client & Record<string, (...args: unknown[]) => unknown>;

  beforeAll(async () => {
    server.addService(services.KV.definition, {
      Range(call: grpc.ServerUnaryCall<{ key: Buffer; revision: bigint }, unknown>, callback: grpc.sendUnaryData<unknown>) {
        callback(null, {
          header: { cluster_id: BIG_MEMBER, member_id: 1n, revision: call.request.revision + 1n, raft_term: 2n },
          kvs: [{ key: call.request.key, value: Buffer.from('v'), lease: BIG_LEASE, version: 1n }],
          count: 1n,
        });
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    client = new services.KV.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as typeof client;
  });

  afterAll(() => {
    client?.close();
    server.forceShutdown();
  });

  it('carries bigint and Buffer fields intact', async () => {
    const response = await new Promise<Record<string, unknown>>((resolve, reject) =>
      client.Range({ key: Buffer.from('k1'), revision: 41n }, (err: Error | null, res: Record<string, unknown>) =>
        err ? reject(err) : resolve(res),
      ),
    );
    expect(response.header).toEqual({ cluster_id: BIG_MEMBER, member_id: 1n, revision: 42n, raft_term: 2n });
    const [kv] = response.kvs as { key: Buffer; lease: bigint }[];
    expect(kv.key.toString()).toBe('k1');
    expect(kv.lease).toBe(BIG_LEASE);
  });
});
