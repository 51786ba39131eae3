// etcd auth across members, as real processes: users, roles and the enabled flag reach a member that joins later
// through the leader's Raft snapshot; a token issued by one member works on another (every member applies the
// Authenticate entry); permissions hold on every member. Multi-process, slow; conditions polled with generous
// bounds, no timing assertions.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdCluster, runEtcdctl, type EtcdMember } from '../src/store/testing/etcd-process.ts';
import { client, ctl, endpoints, eventually, reconfigure, type EtcdClient } from './store-cluster-helpers.ts';

const TEST_TIMEOUT_MS = 400_000;
const ROOT = '--user=root:rootpw';
const ALICE = '--user=alice:apw';

function call<T>(c: EtcdClient, method: string, req: unknown, token?: string): Promise<T> {
  const md = new grpc.Metadata();
  if (token !== undefined) md.set('token', token);
  return new Promise((resolve, reject) => {
    c[method](req, md, { deadline: Date.now() + 15_000 }, (err: unknown, resp: T) => (err ? reject(err) : resolve(resp)));
  });
}

async function etcdctl(members: readonly EtcdMember[], args: string[]) {
  return runEtcdctl([endpoints(members), '--command-timeout=15s', ...args], { timeoutMs: 40_000 });
}

describe('store: etcd auth on a growing cluster (process)', () => {
  let cluster: EtcdCluster;
  // Snapshots every few entries, so the joining member is brought up by a snapshot rather than the log.
  beforeAll(async () => {
    cluster = await EtcdCluster.start({ impl: 'barque', members: 1, extraArgs: ['--snapshot-count=5'] });
  }, TEST_TIMEOUT_MS);
  afterAll(async () => cluster?.cleanup());

  it('carries auth state to a joining member and honours tokens and permissions on every member', async () => {
    const [m0] = cluster.members;
    await ctl([m0], ['user', 'add', 'root', '--interactive=false', '--new-user-password=rootpw']);
    await ctl([m0], ['user', 'add', 'alice:apw']);
    await ctl([m0], ['role', 'add', 'app']);
    await ctl([m0], ['role', 'grant-permission', 'app', '--prefix', 'readwrite', 'app/']);
    await ctl([m0], ['user', 'grant-role', 'alice', 'app']);
    expect(await ctl([m0], ['auth', 'enable'])).toContain('Authentication Enabled');
    for (let i = 0; i < 10; i++) await ctl([m0], ['put', `app/${i}`, `v${i}`, ALICE]);

    const m1 = await cluster.prepareMember('m1');
    const added = await reconfigure([m0], ['member', 'add', 'm1', `--peer-urls=${m1.peerUrl}`, ROOT], 'etcdserver: Peer URLs already exists');
    expect(added.code, added.stderr).toBe(0);
    m1.launch();
    // With auth on, etcd's health check needs credentials (anonymous: "user name is empty", as real etcd).
    await eventually('m1 healthy', async () => ((await etcdctl([m1], ['endpoint', 'health', ROOT])).code === 0 ? true : undefined), 120_000, 1_000);
    expect(m1.log()).toContain('restored snapshot');

    // The joined member knows the users, roles and that auth is on: its own (serializable) answers show it.
    const anonymous = await etcdctl([m1], ['get', 'app/0', '--consistency=s']);
    expect(anonymous.stderr).toContain('etcdserver: user name is empty');
    const own = await eventually('alice reads her keys on m1', async () => {
      const r = await etcdctl([m1], ['get', 'app/', '--prefix', '--keys-only', '--consistency=s', ALICE]);
      return r.code === 0 && r.stdout.includes('app/9') ? r.stdout : undefined;
    });
    expect(own.split('\n').filter((l) => l !== '')).toHaveLength(10);
    const denied = await etcdctl([m1], ['put', 'other', 'x', ALICE]);
    expect(denied.stderr).toContain('etcdserver: permission denied');
    expect((await etcdctl([m1], ['role', 'get', 'app', ROOT])).stdout).toContain('[app/, app0) (prefix app/)');

    // A token from one member is good on the other: both applied the Authenticate entry.
    const auth0 = client(m0, 'Auth');
    const kv1 = client(m1, 'KV');
    try {
      const { token } = await call<{ token: string }>(auth0, 'Authenticate', { name: 'alice', password: 'apw' });
      // At once: m1 waits for the entry the token names, as etcd, rather than calling it invalid.
      const r = await call<{ kvs: Array<{ value: Buffer }> }>(kv1, 'Range', { key: Buffer.from('app/3') }, token);
      expect(r.kvs[0].value.toString()).toBe('v3');
      await call(kv1, 'Put', { key: Buffer.from('app/from-m1'), value: Buffer.from('y') }, token);
      expect(await ctl([m0], ['get', 'app/from-m1', '--print-value-only', ALICE])).toBe('y\n');
    } finally {
      auth0.close();
      kv1.close();
    }
  }, TEST_TIMEOUT_MS);
});
