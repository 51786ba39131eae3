// Auth state in the snapshot barque streams (Maintenance.Snapshot, etcd's bbolt layout): real etcd 3.4.23,
// restored from it with `etcdctl snapshot restore`, knows barque's users (bcrypt hashes it verifies), roles and
// permissions. Auth is switched off before the snapshot so the launcher's anonymous health check passes, and on
// again on the restored etcd. Multi-process, needs the reference binaries (fails without them).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EtcdCluster, killAllLeftoversSync, runEtcdctl, type EtcdctlResult } from '../src/store/testing/etcd-process.ts';

const TEST_TIMEOUT_MS = 300_000;
const dir = mkdtempSync(join(tmpdir(), 'barque-auth-snapshot-'));
const clusters: EtcdCluster[] = [];

afterAll(async () => {
  await Promise.all(clusters.map((c) => c.cleanup()));
  killAllLeftoversSync();
  rmSync(dir, { recursive: true, force: true });
});

function ok(result: EtcdctlResult): string {
  expect(result.code, `etcdctl failed:\n${result.stdout}\n${result.stderr}`).toBe(0);
  return result.stdout;
}

describe('store: auth state in the snapshot, restored by real etcd (multi-process)', () => {
  it('real etcd restored from barque\'s snapshot authenticates barque\'s users with their roles', async () => {
    const barque = await EtcdCluster.start({ impl: 'barque', members: 1 });
    clusters.push(barque);
    ok(await barque.etcdctl(['user', 'add', 'root:rootpw']));
    ok(await barque.etcdctl(['user', 'add', 'alice:apw']));
    ok(await barque.etcdctl(['role', 'add', 'app']));
    ok(await barque.etcdctl(['role', 'grant-permission', 'app', '--prefix', 'readwrite', '/p/']));
    ok(await barque.etcdctl(['user', 'grant-role', 'alice', 'app']));
    ok(await barque.etcdctl(['auth', 'enable']));
    ok(await barque.etcdctl(['put', '/p/1', 'x', '--user=alice:apw']));
    ok(await barque.etcdctl(['auth', 'disable', '--user=root:rootpw']));
    const path = join(dir, 'auth.db');
    ok(await barque.etcdctl(['snapshot', 'save', path]));
    await barque.cleanup();

    const token = 'barque-auth-restore';
    const etcd = await EtcdCluster.start({
      impl: 'etcd',
      members: 1,
      initialClusterToken: token,
      beforeLaunch: async (all) => {
        for (const m of all) {
          ok(
            await runEtcdctl([
              'snapshot',
              'restore',
              path,
              `--name=${m.name}`,
              `--data-dir=${m.dataDir}`,
              `--initial-cluster=${m.config.initialCluster}`,
              `--initial-cluster-token=${token}`,
              `--initial-advertise-peer-urls=${m.peerUrl}`,
            ]),
          );
        }
      },
    });
    clusters.push(etcd);
    expect(ok(await etcd.etcdctl(['user', 'list']))).toBe('alice\nroot\n');
    expect(ok(await etcd.etcdctl(['role', 'get', 'app']))).toContain('[/p/, /p0) (prefix /p/)');
    expect(ok(await etcd.etcdctl(['user', 'get', 'root']))).toBe('User: root\nRoles: root\n');
    ok(await etcd.etcdctl(['auth', 'enable']));
    expect(ok(await etcd.etcdctl(['get', '/p/1', '--print-value-only', '--user=alice:apw']))).toBe('x\n');
    expect((await etcd.etcdctl(['put', '/q', 'x', '--user=alice:apw'])).stderr).toContain('etcdserver: permission denied');
    expect((await etcd.etcdctl(['get', '/p/1', '--user=alice:wrong'])).stderr).toContain('etcdserver: authentication failed, invalid user ID or password');
    ok(await etcd.etcdctl(['auth', 'disable', '--user=root:rootpw']));
    await etcd.cleanup();
  }, TEST_TIMEOUT_MS);
});
