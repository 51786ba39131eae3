// Bad input reaches clients as etcd's exact status and text, malformed protobuf fails only its own call, and the
// space quota raises NOSPACE. In-process member, grpc-js clients built from our protos.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestMember, type TestMember } from '../src/store/server/test-server.ts';
import { loadEtcdProtos } from '../src/store/proto/index.ts';

const b = (s: string) => Buffer.from(s);

async function expectStatus(p: Promise<unknown>, code: grpc.status, details?: string): Promise<void> {
  const err = (await p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  )) as grpc.ServiceError;
  expect({ code: err.code, details: details === undefined ? undefined : err.details }).toEqual({ code, details });
}

describe('store: etcd error texts', () => {
  let m: TestMember;
  beforeAll(async () => {
    m = await startTestMember({ maxTxnOps: 128 });
  });
  afterAll(async () => m.close());

  it('refuses empty keys', async () => {
    await expectStatus(m.call('KV', 'Put', { key: b(''), value: b('v') }), grpc.status.INVALID_ARGUMENT, 'etcdserver: key is not provided');
    await expectStatus(m.call('KV', 'Range', { key: b('') }), grpc.status.INVALID_ARGUMENT, 'etcdserver: key is not provided');
    await expectStatus(m.call('KV', 'DeleteRange', { key: b('') }), grpc.status.INVALID_ARGUMENT, 'etcdserver: key is not provided');
  });

  it('refuses txns with too many operations or duplicate keys', async () => {
    const ops = (n: number) => Array.from({ length: n }, (_, i) => ({ request_put: { key: b(`k${i}`), value: b('v') } }));
    await expectStatus(m.call('KV', 'Txn', { success: ops(129) }), grpc.status.INVALID_ARGUMENT, 'etcdserver: too many operations in txn request');
    await m.call('KV', 'Txn', { success: ops(128) });
    const dup = [{ request_put: { key: b('d'), value: b('1') } }, { request_put: { key: b('d'), value: b('2') } }];
    await expectStatus(m.call('KV', 'Txn', { success: dup }), grpc.status.INVALID_ARGUMENT, 'etcdserver: duplicate key given in txn request');
  });

  it('refuses requests over --max-request-bytes with etcd text, and far larger ones in gRPC', async () => {
    await expectStatus(m.call('KV', 'Put', { key: b('big'), value: Buffer.alloc(1.6 * 1024 * 1024) }), grpc.status.INVALID_ARGUMENT, 'etcdserver: request is too large');
    await expectStatus(m.call('KV', 'Put', { key: b('huge'), value: Buffer.alloc(2.5 * 1024 * 1024) }), grpc.status.RESOURCE_EXHAUSTED);
    const r = await m.call<{ count: bigint }>('KV', 'Range', { key: b('big') });
    expect(r.count).toBe(0n);
  });

  it('answers key and lease errors as etcd', async () => {
    await expectStatus(m.call('KV', 'Put', { key: b('missing'), ignore_value: true }), grpc.status.INVALID_ARGUMENT, 'etcdserver: key not found');
    await expectStatus(m.call('KV', 'Put', { key: b('k'), value: b('v'), lease: 12345n }), grpc.status.NOT_FOUND, 'etcdserver: requested lease not found');
    await expectStatus(m.call('Lease', 'LeaseRevoke', { ID: 12345n }), grpc.status.NOT_FOUND, 'etcdserver: requested lease not found');
    const ttl = await m.call<{ TTL: bigint }>('Lease', 'LeaseTimeToLive', { ID: 12345n });
    expect(ttl.TTL).toBe(-1n);
  });

  it('answers revision errors as etcd', async () => {
    const put = await m.call<{ header: { revision: bigint } }>('KV', 'Put', { key: b('r'), value: b('1') });
    const rev = put.header.revision;
    await expectStatus(m.call('KV', 'Range', { key: b('r'), revision: rev + 100n }), grpc.status.OUT_OF_RANGE, 'etcdserver: mvcc: required revision is a future revision');
    await m.call('KV', 'Put', { key: b('r'), value: b('2') });
    await m.call('KV', 'Compact', { revision: rev, physical: true });
    await expectStatus(m.call('KV', 'Range', { key: b('r'), revision: rev - 1n }), grpc.status.OUT_OF_RANGE, 'etcdserver: mvcc: required revision has been compacted');
    await expectStatus(m.call('KV', 'Compact', { revision: rev }), grpc.status.OUT_OF_RANGE, 'etcdserver: mvcc: required revision has been compacted');
  });

  it('serves calls that require a leader', async () => {
    const md = new grpc.Metadata();
    md.set('hasleader', 'true');
    const r = await m.call<{ header: { member_id: bigint; cluster_id: bigint; raft_term: bigint } }>('KV', 'Range', { key: b('r') }, md);
    expect(r.header.member_id).not.toBe(0n);
    expect(r.header.cluster_id).not.toBe(0n);
    expect(r.header.raft_term).not.toBe(0n);
  });

  it('fails a malformed protobuf at every method while serving everyone else', async () => {
    const protos = loadEtcdProtos();
    const garbage = Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]); // a length far past the end
    const raw = new grpc.Client(m.address, grpc.credentials.createInsecure());
    const identity = (x: Buffer) => x;
    try {
      for (const service of Object.values(protos.services)) {
        for (const method of Object.values(service.definition)) {
          const outcome = await new Promise<grpc.status>((resolve) => {
            const done = (code: grpc.status) => resolve(code);
            if (method.requestStream) {
              const call = raw.makeBidiStreamRequest(method.path, identity, identity);
              call.on('data', () => undefined);
              call.on('error', (e: grpc.ServiceError) => done(e.code));
              call.on('end', () => done(grpc.status.OK));
              call.write(garbage);
              call.end();
            } else if (method.responseStream) {
              const call = raw.makeServerStreamRequest(method.path, identity, identity, garbage);
              call.on('data', () => undefined);
              call.on('error', (e: grpc.ServiceError) => done(e.code));
              call.on('end', () => done(grpc.status.OK));
            } else {
              raw.makeUnaryRequest(method.path, identity, identity, garbage, (err) => done(err ? err.code : grpc.status.OK));
            }
          });
          expect.soft(outcome, method.path).not.toBe(grpc.status.OK);
          const ok = await m.call<{ header: { revision: bigint } }>('KV', 'Put', { key: b('alive'), value: b(method.path) });
          expect(ok.header.revision).toBeGreaterThan(0n);
        }
      }
    } finally {
      raw.close();
    }
  });
});

describe('store: space quota', () => {
  let m: TestMember;
  beforeAll(async () => {
    m = await startTestMember({ quotaBackendBytes: 256 * 1024 });
  });
  afterAll(async () => m.close());

  it('raises NOSPACE and then refuses writes but serves reads and deletes', async () => {
    const value = Buffer.alloc(32 * 1024, 1);
    let refused: grpc.ServiceError | undefined;
    for (let i = 0; i < 500 && refused === undefined; i++) {
      await m.call('KV', 'Put', { key: b(`fill/${i}`), value }).catch((e: grpc.ServiceError) => {
        refused = e;
      });
    }
    expect(refused?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(refused?.details).toBe('etcdserver: mvcc: database space exceeded');
    let alarms: Array<{ alarm: number }> = [];
    for (let i = 0; i < 100 && alarms.length === 0; i++) {
      alarms = (await m.call<{ alarms: Array<{ alarm: number }> }>('Maintenance', 'Alarm', { action: 0 })).alarms;
      if (alarms.length === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(alarms.map((a) => a.alarm)).toEqual([1]);
    const status = await m.call<{ errors: string[] }>('Maintenance', 'Status', {});
    expect(status.errors.join()).toContain('NOSPACE');
    await expectStatus(m.call('KV', 'Put', { key: b('tiny'), value: b('x') }), grpc.status.RESOURCE_EXHAUSTED, 'etcdserver: mvcc: database space exceeded');
    await expectStatus(m.call('Lease', 'LeaseGrant', { TTL: 10n }), grpc.status.RESOURCE_EXHAUSTED, 'etcdserver: mvcc: database space exceeded');
    const r = await m.call<{ count: bigint }>('KV', 'Range', { key: b('fill/'), range_end: b('fill0'), count_only: true });
    expect(r.count).toBeGreaterThan(0n);
    const del = await m.call<{ deleted: bigint }>('KV', 'DeleteRange', { key: b('fill/'), range_end: b('fill0') });
    expect(del.deleted).toBe(r.count);
  });
});
