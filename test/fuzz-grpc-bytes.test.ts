// Byte fuzzing of every method of etcd's eight gRPC services on an in-process member over a real grpc-js
// channel: random bytes, mutated valid encodings, empty and oversize messages. Every call must end within its
// bound with an etcd-like status, undecodable bytes must be INTERNAL (as etcd's decoders answer), and the member
// must still serve a normal Range after each method. Seeded: FUZZ_SEED=<n> replays a run.
import * as grpc from '@grpc/grpc-js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestMember, type TestMember } from '../src/store/server/test-server.ts';
import { allMethods, rawCall, rawClient, type MethodInfo } from './fuzz/raw-call.ts';
import { outcomeProblems } from './fuzz/expectations.ts';
import { requestBytesArb } from './fuzz/request-bytes.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20261123);
const UNARY_RUNS = Number(process.env.FUZZ_RUNS ?? 14);
const STREAM_RUNS = Math.max(4, UNARY_RUNS >> 1);
const MAX_REQUEST_BYTES = 1.5 * 1024 * 1024;
const GRPC_RECEIVE_LIMIT = MAX_REQUEST_BYTES + 512 * 1024;

describe(`fuzz: raw bytes at every etcd gRPC method (seed ${SEED})`, () => {
  let m: TestMember;
  let client: grpc.Client;
  beforeAll(async () => {
    m = await startTestMember();
    client = rawClient(m.address);
  });
  afterAll(async () => {
    client.close();
    await m.close();
  });

  const alive = async () => {
    const r = await m.call<{ header: { revision: bigint } }>('KV', 'Range', { key: Buffer.from('a') });
    expect(r.header.revision).toBeGreaterThan(0n);
  };

  const methods = allMethods();
  it('covers the eight services', () => {
    expect(new Set(methods.map((x) => x.service))).toEqual(new Set(['KV', 'Watch', 'Lease', 'Cluster', 'Maintenance', 'Auth', 'Lock', 'Election']));
  });

  for (const method of methods) {
    it(`${method.path}`, async () => {
      const streaming = method.requestStream || method.responseStream;
      await fc.assert(
        fc.asyncProperty(requestBytesArb(method.requestType), async (bytes) => {
          const o = await rawCall(client, method, bytes, 10_000, 100);
          const problems = outcomeProblems(method, bytes, o);
          if (problems.length > 0) throw new Error(`${method.path} on ${bytes.toString('hex').slice(0, 200)}: ${problems.join('; ')}`);
        }),
        { seed: SEED, numRuns: streaming ? STREAM_RUNS : UNARY_RUNS, endOnFailure: true },
      );
      await alive();
    });
  }

  it('refuses an oversize message at every method with the gRPC receive limit, and keeps serving', async () => {
    const huge = Buffer.concat([Buffer.from([0x0a, 0x01, 0x61]), Buffer.from([0x12]), varintOf(GRPC_RECEIVE_LIMIT), Buffer.alloc(GRPC_RECEIVE_LIMIT)]);
    for (const method of methods) {
      const o = await rawCall(client, method, huge, 20_000, 100);
      expect.soft({ path: method.path, code: o.code, details: o.details?.replace(/\(.*\)/, '') }).toEqual({
        path: method.path,
        code: grpc.status.RESOURCE_EXHAUSTED,
        details: 'Received message larger than max ',
      });
    }
    await alive();
  });

  it('refuses writes over --max-request-bytes with etcd text', async () => {
    const value = Buffer.alloc(MAX_REQUEST_BYTES + 1024, 0x78);
    const put = encode('etcdserverpb.PutRequest', { key: Buffer.from('big'), value });
    const txn = encode('etcdserverpb.TxnRequest', { success: [{ request_put: { key: Buffer.from('big'), value } }] });
    for (const [path, bytes] of [['Put', put], ['Txn', txn]] as const) {
      const method = methods.find((x) => x.path === `/etcdserverpb.KV/${path}`) as MethodInfo;
      const o = await rawCall(client, method, bytes);
      expect({ code: o.code, details: o.details }).toEqual({ code: grpc.status.INVALID_ARGUMENT, details: 'etcdserver: request is too large' });
    }
    await alive();
  });
});

function varintOf(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

function encode(type: string, message: Record<string, unknown>): Buffer {
  return loadEtcdProtosCodec(type).encode(message as never);
}

import { loadEtcdProtos } from '../src/store/proto/index.ts';
const loadEtcdProtosCodec = (type: string) => loadEtcdProtos().codecs.type(type);
