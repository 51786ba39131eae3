// etcd auth end to end against an in-process member: users, roles and permissions set up and used through the npm
// etcd3 client (its `auth` option) and raw gRPC calls (etcd's exact codes and texts), tokens, and auth state
// surviving a restart. etcdctl against real etcd is compared in test/differential (the AUTH_SCRIPT part).
import { Metadata, status as Status } from '@grpc/grpc-js';
import { Etcd3, EtcdAuthenticationFailedError, EtcdPermissionDeniedError, Range } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, EtcdServer } from '../src/store/server/etcd-server.ts';
import { startTestMember, type TestMember } from '../src/store/server/test-server.ts';
import { silentLogger } from '../src/common/logger.ts';

const b = (s: string) => Buffer.from(s);
const withToken = (token: string) => {
  const md = new Metadata();
  md.set('token', token);
  return md;
};

async function grpcError(p: Promise<unknown>): Promise<{ code: number; details: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as { code: number; details: string };
    return { code: e.code, details: e.details };
  }
  throw new Error('call succeeded');
}

describe('store: etcd authentication and authorization', () => {
  let m: TestMember;
  let admin: Etcd3;
  const clients: Etcd3[] = [];
  const client = (username: string, password: string) => {
    const c = new Etcd3({ hosts: `http://${m.address}`, auth: { username, password } });
    clients.push(c);
    return c;
  };
  const authenticate = async (name: string, password: string) =>
    (await m.call<{ token: string }>('Auth', 'Authenticate', { name, password })).token;

  beforeAll(async () => {
    m = await startTestMember();
    admin = new Etcd3({ hosts: `http://${m.address}` });
    await admin.user('root').create('rootpw');
    await admin.user('alice').create('apw');
    await admin.role('app').create();
    await admin.role('app').grant({ permission: 'Readwrite', range: admin.range({ prefix: 'app/' }) });
    await admin.role('app').grant({ permission: 'Read', range: new Range('shared') });
    await admin.user('alice').addRole('app');
    await admin.user('root').addRole('root');
    await m.call('Auth', 'AuthEnable', {});
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    admin.close();
    await m.close();
  });

  it('refuses requests without credentials as etcd: "user name is empty"', async () => {
    expect(await grpcError(m.call('KV', 'Put', { key: b('app/1'), value: b('x') }))).toEqual({ code: Status.INVALID_ARGUMENT, details: 'etcdserver: user name is empty' });
    expect(await grpcError(m.call('KV', 'Range', { key: b('app/1') }))).toEqual({ code: Status.INVALID_ARGUMENT, details: 'etcdserver: user name is empty' });
    expect(await grpcError(m.call('Auth', 'UserList', {}))).toEqual({ code: Status.INVALID_ARGUMENT, details: 'etcdserver: user name is empty' });
  });

  it('lets the etcd3 client authenticate and use what its roles permit, and nothing else', async () => {
    const alice = client('alice', 'apw');
    await alice.put('app/1').value('one');
    expect(await alice.get('app/1').string()).toBe('one');
    expect(await alice.getAll().prefix('app/').keys()).toEqual(['app/1']);
    await expect(alice.put('other').value('x')).rejects.toBeInstanceOf(EtcdPermissionDeniedError);
    await expect(alice.put('shared').value('x')).rejects.toBeInstanceOf(EtcdPermissionDeniedError);
    await expect(alice.getAll().prefix('app').keys()).rejects.toBeInstanceOf(EtcdPermissionDeniedError);
    await expect(alice.user('root').roles()).rejects.toBeInstanceOf(EtcdPermissionDeniedError);
    expect((await alice.user('alice').roles()).map((r) => r.name)).toEqual(['app']);
  });

  it('checks every op of a transaction, compares included', async () => {
    const alice = client('alice', 'apw');
    const ok = await alice.if('app/1', 'Value', '==', 'one').then(alice.put('app/2').value('two')).commit();
    expect(ok.succeeded).toBe(true);
    await expect(alice.if('other', 'Version', '==', 0).then(alice.put('app/3').value('x')).commit()).rejects.toBeInstanceOf(EtcdPermissionDeniedError);
    await expect(alice.if('app/1', 'Version', '>', 0).then(alice.put('app/3').value('x')).else(alice.delete().key('other')).commit()).rejects.toBeInstanceOf(EtcdPermissionDeniedError);
  });

  it('applies the caller\'s permissions to the Lock service, as etcd\'s lock server acting with the caller\'s token', async () => {
    const token = await authenticate('alice', 'apw');
    const { ID: lease } = await m.call<{ ID: bigint }>('Lease', 'LeaseGrant', { TTL: 60 }, withToken(token));
    const held = await m.call<{ key: Buffer }>('Lock', 'Lock', { name: b('app/lock'), lease }, withToken(token));
    expect(held.key.toString()).toMatch(/^app\/lock\//);
    await m.call('Lock', 'Unlock', { key: held.key }, withToken(token));
    // etcd's lock server answers its inner client's errors as Unknown with their text.
    expect(await grpcError(m.call('Lock', 'Lock', { name: b('elsewhere'), lease }, withToken(token)))).toEqual({ code: Status.UNKNOWN, details: 'etcdserver: permission denied' });
    await m.call('Lease', 'LeaseRevoke', { ID: lease }, withToken(token));
  });

  it('gives root everything, including user management', async () => {
    const root = client('root', 'rootpw');
    await root.put('anywhere').value('x');
    expect(await root.get('anywhere').string()).toBe('x');
    expect((await root.getUsers()).map((u) => u.name).sort()).toEqual(['alice', 'root']);
  });

  it('refuses a wrong password or an unknown user with etcd\'s text', async () => {
    await expect(client('alice', 'wrong').get('app/1').string()).rejects.toBeInstanceOf(EtcdAuthenticationFailedError);
    const failed = { code: Status.INVALID_ARGUMENT, details: 'etcdserver: authentication failed, invalid user ID or password' };
    expect(await grpcError(authenticate('alice', 'wrong'))).toEqual(failed);
    expect(await grpcError(authenticate('nobody', 'x'))).toEqual(failed);
  });

  it('reads the token from `authorization` metadata when `token` is absent, as etcd does (its gateway sends it so)', async () => {
    const token = await authenticate('alice', 'apw');
    const asAuthorization = (t: string) => {
      const md = new Metadata();
      md.set('authorization', t);
      return md;
    };
    await m.call('KV', 'Range', { key: b('app/1') }, asAuthorization(token));
    expect(await grpcError(m.call('KV', 'Range', { key: b('elsewhere') }, asAuthorization(token)))).toEqual({ code: Status.PERMISSION_DENIED, details: 'etcdserver: permission denied' });
    expect(await grpcError(m.call('KV', 'Range', { key: b('app/1') }, asAuthorization('bogus.1')))).toEqual({ code: Status.UNAUTHENTICATED, details: 'etcdserver: invalid auth token' });
  });

  it('ends a token when its password changes; an unknown token is "invalid auth token"', async () => {
    const token = await authenticate('alice', 'apw');
    expect(token).toMatch(/^[a-zA-Z]{16}\.\d+$/);
    await m.call('KV', 'Range', { key: b('app/1') }, withToken(token));
    const rootToken = await authenticate('root', 'rootpw');
    await m.call('Auth', 'UserChangePassword', { name: 'alice', password: 'apw2' }, withToken(rootToken));
    const invalid = { code: Status.UNAUTHENTICATED, details: 'etcdserver: invalid auth token' };
    expect(await grpcError(m.call('KV', 'Range', { key: b('app/1') }, withToken(token)))).toEqual(invalid);
    expect(await grpcError(m.call('KV', 'Range', { key: b('app/1') }, withToken('bogus.1')))).toEqual(invalid);
    const fresh = await authenticate('alice', 'apw2');
    await m.call('KV', 'Range', { key: b('app/1') }, withToken(fresh));
  });

  it('applies a permission revoke to the very next request', async () => {
    const rootToken = await authenticate('root', 'rootpw');
    const token = await authenticate('alice', 'apw2');
    await m.call('KV', 'Put', { key: b('app/rev'), value: b('1') }, withToken(token));
    await m.call('Auth', 'UserRevokeRole', { name: 'alice', role: 'app' }, withToken(rootToken));
    expect(await grpcError(m.call('KV', 'Put', { key: b('app/rev'), value: b('2') }, withToken(token)))).toEqual({ code: Status.PERMISSION_DENIED, details: 'etcdserver: permission denied' });
    await m.call('Auth', 'UserGrantRole', { user: 'alice', role: 'app' }, withToken(rootToken));
  });

  it('keeps users, roles and the enabled flag across a restart; tokens do not survive it', async () => {
    const before = await authenticate('alice', 'apw2');
    await m.restart();
    expect(await grpcError(m.call('KV', 'Range', { key: b('app/1') }, withToken(before)))).toEqual({ code: Status.UNAUTHENTICATED, details: 'etcdserver: invalid auth token' });
    expect(await grpcError(m.call('KV', 'Range', { key: b('app/1') }))).toEqual({ code: Status.INVALID_ARGUMENT, details: 'etcdserver: user name is empty' });
    const after = await authenticate('alice', 'apw2');
    const r = await m.call<{ kvs: Array<{ value: Buffer }> }>('KV', 'Range', { key: b('app/1') }, withToken(after));
    expect(r.kvs[0].value.toString()).toBe('one');
    const rootToken = await authenticate('root', 'rootpw');
    const perms = await m.call<{ perm: unknown[] }>('Auth', 'RoleGet', { role: 'app' }, withToken(rootToken));
    expect(perms.perm).toHaveLength(2);
  }, 60_000);

  it('disabling auth opens the store again', async () => {
    const rootToken = await authenticate('root', 'rootpw');
    await m.call('Auth', 'AuthDisable', {}, withToken(rootToken));
    await m.call('KV', 'Put', { key: b('other'), value: b('open') });
    expect(await grpcError(authenticate('root', 'rootpw'))).toEqual({ code: Status.FAILED_PRECONDITION, details: 'etcdserver: authentication is not enabled' });
  });
});

describe('store: --auth-token', () => {
  it('refuses jwt tokens at start with a clear error', async () => {
    const start = EtcdServer.start({
      name: 'default',
      dataDir: '/nonexistent/never-created',
      listenClientUrls: ['http://127.0.0.1:0'],
      advertiseClientUrls: ['http://127.0.0.1:2379'],
      initialAdvertisePeerUrls: ['http://localhost:2380'],
      initialCluster: 'default=http://localhost:2380',
      initialClusterToken: 'etcd-cluster',
      logger: silentLogger(),
      authToken: 'jwt,pub-key=a.pub,priv-key=a,sign-method=RS256',
    });
    await expect(start).rejects.toBeInstanceOf(ConfigError);
    await expect(start).rejects.toThrow(/jwt tokens are not supported yet/);
  });
});
