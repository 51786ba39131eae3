// Our schemas and codecs against the real thing, both ways: our gRPC clients against a real etcd 3.4 server, and
// the real etcdctl 3.4 against a stub server built from our service definitions. Needs scripts/fetch-reference.sh;
// fails (never skips) without it.
import * as grpc from '@grpc/grpc-js';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocateLoopbackPorts } from '../testing/loopback-ports.ts';
import { referenceBinary } from '../testing/reference-binaries.ts';
import { formatId, loadEtcdProtos } from './index.ts';

type Reply = Record<string, unknown>;
type AnyClient = grpc.Client & Record<string, (...args: unknown[]) => unknown>;

const BIG_LEASE = 0x694d_7c1e_35a0_9b21n; // above 2^53
const BIG_MEMBER = 0xfedc_ba98_7654_3210n; // above 2^63
const run = promisify(execFile);

function unary(client: AnyClient, method: string, request: Reply): Promise<Reply> {
  return new Promise((resolve, reject) =>
    client[method](request, { deadline: Date.now() + 5_000 }, (err: Error | null, res: Reply) => (err ? reject(err) : resolve(res))),
  );
}

async function untilReady(client: AnyClient): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      await unary(client, 'Range', { key: Buffer.from('ready?') });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error('reference etcd did not answer within 10 s');
}

/**
 * beforeAll that never throws: a failed setup (e.g. reference binaries not fetched) is rethrown by every test that
 * needs it, so each one FAILS with the fix in its message instead of being reported as skipped.
 */
function setupOnce(setup: () => Promise<void>): () => void {
  let failure: unknown;
  beforeAll(async () => {
    try {
      await setup();
    } catch (error) {
      failure = error;
    }
  });
  return () => {
    if (failure !== undefined) throw failure;
  };
}

describe('our clients against real etcd 3.4', () => {
  const { services } = loadEtcdProtos();
  const dataDir = mkdtempSync(join(tmpdir(), 'barque-real-etcd-'));
  let etcd: ChildProcess | undefined;
  let etcdLog = '';
  const clients: Record<string, AnyClient> = {};

  const ready = setupOnce(async () => {
    const binary = referenceBinary('etcd');
    const [clientPort, peerPort] = await allocateLoopbackPorts(2);
    const peer = `http://127.0.0.1:${peerPort}`;
    const client = `http://127.0.0.1:${clientPort}`;
    etcd = spawn(binary, [
      '--name=proto-test',
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=proto-test=${peer}`,
    ]);
    etcd.stderr?.on('data', (chunk: Buffer) => (etcdLog += chunk.toString()));
    for (const name of ['KV', 'Lease', 'Cluster', 'Maintenance', 'Watch'] as const) {
      clients[name] = new services[name].Client(`127.0.0.1:${clientPort}`, grpc.credentials.createInsecure()) as AnyClient;
    }
    try {
      await untilReady(clients.KV);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- etcd log ---\n${etcdLog.slice(-4000)}`, { cause: error });
    }
  });

  afterAll(() => {
    Object.values(clients).forEach((c) => c.close());
    etcd?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('grants a lease with an id above 2^53, attaches a key to it and reads the id back exactly', async () => {
    ready();
    const grant = await unary(clients.Lease, 'LeaseGrant', { ID: BIG_LEASE, TTL: 60n });
    expect(grant.ID).toBe(BIG_LEASE);
    expect(grant.TTL).toBe(60n);
    const put = await unary(clients.KV, 'Put', { key: Buffer.from('k'), value: Buffer.from([0, 255]), lease: BIG_LEASE });
    const revision = (put.header as Reply).revision as bigint;
    expect(typeof revision).toBe('bigint');
    const range = await unary(clients.KV, 'Range', { key: Buffer.from('k') });
    const [kv] = range.kvs as Reply[];
    expect(kv).toMatchObject({ lease: BIG_LEASE, mod_revision: revision, create_revision: revision, version: 1n });
    expect([...(kv.value as Buffer)]).toEqual([0, 255]);
    const ttl = await unary(clients.Lease, 'LeaseTimeToLive', { ID: BIG_LEASE, keys: true });
    expect((ttl.keys as Buffer[]).map(String)).toEqual(['k']);
  });

  it('reads uint64 member and cluster ids exactly', async () => {
    ready();
    const list = await unary(clients.Cluster, 'MemberList', {});
    const header = list.header as Reply;
    const [member] = list.members as Reply[];
    expect(member.ID).toBe(header.member_id);
    expect(member.name).toBe('proto-test');
    expect(typeof header.cluster_id).toBe('bigint');
    const status = await unary(clients.Maintenance, 'Status', {});
    expect(status.leader).toBe(member.ID);
    expect(status.version).toMatch(/^3\.4\./);
  });

  it('runs a transaction with oneof compares and ops', async () => {
    ready();
    const txn = await unary(clients.KV, 'Txn', {
      compare: [{ key: Buffer.from('k'), target: 1 /* CREATE */, result: 1 /* GREATER */, create_revision: 0n }],
      success: [{ request_range: { key: Buffer.from('k') } }, { request_put: { key: Buffer.from('t'), value: Buffer.from('1') } }],
      failure: [],
    });
    expect(txn.succeeded).toBe(true);
    const [first, second] = txn.responses as Reply[];
    expect(first.response).toBe('response_range');
    expect(second.response).toBe('response_put');
  });

  it('watches over a bidirectional stream', async () => {
    ready();
    const stream = (clients.Watch.Watch as () => grpc.ClientDuplexStream<Reply, Reply>).call(clients.Watch);
    const responses: Reply[] = [];
    const gotEvent = new Promise<void>((resolve, reject) => {
      stream.on('data', (r: Reply) => {
        responses.push(r);
        if ((r.events as Reply[]).length > 0) resolve();
      });
      stream.on('error', reject);
    });
    stream.write({ create_request: { key: Buffer.from('w'), prev_kv: true } });
    await new Promise((r) => setTimeout(r, 200));
    await unary(clients.KV, 'Put', { key: Buffer.from('w'), value: Buffer.from('x') });
    await gotEvent;
    stream.cancel();
    expect(responses[0]).toMatchObject({ created: true });
    const event = (responses.at(-1)?.events as Reply[])[0];
    expect(event.type).toBe(0);
    expect(((event.kv as Reply).key as Buffer).toString()).toBe('w');
  });
});

describe('real etcdctl 3.4 against a server built from our definitions', () => {
  const { services } = loadEtcdProtos();
  const server = new grpc.Server();
  let endpoint = '';
  const header = { cluster_id: 0x1234_5678_9abc_def0n, member_id: BIG_MEMBER, revision: 77n, raft_term: 3n };

  const ready = setupOnce(async () => {
    referenceBinary('etcdctl'); // fail early, with the fix, when it has not been fetched
    server.addService(services.KV.definition, {
      Range(call: grpc.ServerUnaryCall<Reply, Reply>, callback: grpc.sendUnaryData<Reply>) {
        const key = call.request.key as Buffer;
        callback(null, { header, kvs: [{ key, value: Buffer.from('hello'), create_revision: 5n, mod_revision: 76n, version: 3n, lease: BIG_LEASE }], count: 1n });
      },
    });
    server.addService(services.Cluster.definition, {
      MemberList(_call: grpc.ServerUnaryCall<Reply, Reply>, callback: grpc.sendUnaryData<Reply>) {
        callback(null, {
          header,
          members: [{ ID: BIG_MEMBER, name: 'm1', peerURLs: ['http://127.0.0.1:2380'], clientURLs: [`http://${endpoint}`], isLearner: false }],
        });
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    endpoint = `127.0.0.1:${port}`;
  });

  afterAll(() => server.forceShutdown());

  const etcdctl = async (...args: string[]) => {
    const { stdout } = await run(referenceBinary('etcdctl'), [`--endpoints=${endpoint}`, '--dial-timeout=3s', '--command-timeout=5s', ...args], {
      env: { ...process.env, ETCDCTL_API: '3' },
    });
    return stdout;
  };

  it('decodes our RangeResponse, 64-bit values included', async () => {
    ready();
    const json = await etcdctl('get', 'greeting', '-w', 'json');
    // Parse the integers as text: JSON.parse would round them.
    expect(json).toContain(`"member_id":${BIG_MEMBER}`);
    expect(json).toContain(`"lease":${BIG_LEASE}`);
    expect(json).toContain(`"mod_revision":76`);
    expect(json).toContain(`"key":"${Buffer.from('greeting').toString('base64')}"`);
    expect(await etcdctl('get', 'greeting')).toBe('greeting\nhello\n');
  });

  it('decodes our MemberListResponse with a uint64 id above 2^63', async () => {
    ready();
    const table = await etcdctl('member', 'list');
    expect(table).toContain(`${formatId(BIG_MEMBER)}, started, m1, http://127.0.0.1:2380, http://${endpoint}, false`);
  });
});
