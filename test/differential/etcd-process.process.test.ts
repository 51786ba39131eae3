// The process launcher itself, multi-process and slow: a 3-member real etcd cluster survives a kill -9 and a
// restart of one member on the same data dir, and cleanup leaves no process and no directory behind, also when
// a start fails.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  EtcdCluster,
  MemberStartError,
  killAllLeftoversSync,
  runEtcdctl,
  type EtcdctlResult,
} from '../../src/store/testing/etcd-process.ts';

const clusters: EtcdCluster[] = [];
afterAll(async () => {
  await Promise.all(clusters.map((c) => c.cleanup()));
  killAllLeftoversSync();
});

function ok(result: EtcdctlResult): string {
  expect(result.code, `etcdctl failed:\n${result.stdout}\n${result.stderr}`).toBe(0);
  return result.stdout;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('etcd-process launcher (multi-process)', () => {
  it('runs a 3-member cluster through kill -9 and restart of a member, then cleans up', async () => {
    const cluster = await EtcdCluster.start({ impl: 'etcd', members: 3 });
    clusters.push(cluster);
    expect(ok(await cluster.etcdctl(['member', 'list'])).trim().split('\n')).toHaveLength(3);
    ok(await cluster.etcdctl(['put', 'before', '1']));

    const victim = cluster.members[2];
    await victim.kill9();
    expect(victim.running).toBe(false);
    // Two of three still make a quorum, after an election if the victim led. On two busy cores that election can
    // outlast etcd's own request timeout ("request timed out", Unavailable): the put is retried, within a bound.
    const survivors = `--endpoints=${cluster.members.slice(0, 2).map((m) => m.clientUrl).join(',')}`;
    const putDeadline = Date.now() + 60_000;
    let put = await runEtcdctl([survivors, '--command-timeout=15s', 'put', 'during', '2'], { timeoutMs: 30_000 });
    while (put.code !== 0 && put.stderr.includes('Unavailable') && Date.now() < putDeadline) {
      put = await runEtcdctl([survivors, '--command-timeout=15s', 'put', 'during', '2'], { timeoutMs: 30_000 });
    }
    ok(put);
    victim.launch();
    await victim.waitHealthy(); // a linearizable read through the victim: it has applied "during" since
    const onlyVictim = `--endpoints=${victim.clientUrl}`;
    expect(ok(await runEtcdctl([onlyVictim, 'get', 'during', '--consistency=s']))).toBe('during\n2\n');
    expect(ok(await runEtcdctl([survivors, 'get', 'before']))).toBe('before\n1\n');

    await victim.restart();
    expect(ok(await runEtcdctl([onlyVictim, '--command-timeout=30s', 'get', 'before'], { timeoutMs: 60_000 }))).toBe('before\n1\n');

    const pids = cluster.members.map((m) => m.pid ?? -1);
    await cluster.stop();
    expect(cluster.members.every((m) => !m.running)).toBe(true);
    await cluster.cleanup();
    expect(pids.some(processExists)).toBe(false);
    expect(existsSync(cluster.rootDir)).toBe(false);
  });

  it('reports a member that cannot start, with its log, and removes what it made', async () => {
    const baseDir = mkdtempSync(join(tmpdir(), 'barque-launcher-'));
    let error: unknown = null;
    try {
      await EtcdCluster.start({ impl: 'etcd', members: 1, extraArgs: ['--no-such-flag'], baseDir });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(MemberStartError);
    expect((error as Error).message).toMatch(/exited before becoming healthy[\s\S]*no-such-flag/);
    expect(readdirSync(baseDir)).toEqual([]);
    rmSync(baseDir, { recursive: true, force: true });
  });
});
