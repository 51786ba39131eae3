// `bin/barque up` end to end: real processes, the real kubectl 1.20 over TLS with the kubeconfig `up` writes. A
// kill -9 of the controller-manager is healed by the supervisor; SIGINT stops every child; a second `up` on the same
// data directory resumes the same cluster with the same certificates.
import { spawn, type ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { referenceBinary } from '../src/store/testing/reference-binaries.ts';
import { allocateLoopbackPortBlock } from '../src/store/testing/loopback-ports.ts';
import { alive, eventually } from './process-helpers.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const run = promisify(execFile);

interface Status {
  components: { name: string; state: string; pid: number | null; restarts: number }[];
}

describe('barque up', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'barque-up-'));
  const kubectlBin = referenceBinary('kubectl');
  const etcdctlBin = referenceBinary('etcdctl');
  const started: ChildProcess[] = [];
  const childPids = new Set<number>();
  const statusFile = join(dataDir, 'status.json');
  const readStatus = (): Status => JSON.parse(readFileSync(statusFile, 'utf8')) as Status;
  const recordPids = (): void => {
    if (!existsSync(statusFile)) return;
    for (const c of readStatus().components) if (c.pid !== null) childPids.add(c.pid);
  };

  afterAll(() => {
    for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    recordPids();
    for (const pid of childPids) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function up(base: number): Promise<{ proc: ChildProcess; out: () => string; exited: Promise<number | null> }> {
    const proc = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'barque'), 'up', '--data-dir', dataDir, '--port-base', String(base)], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(proc);
    let out = '';
    proc.stdout?.on('data', (b: Buffer) => (out += b.toString()));
    proc.stderr?.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((done) => proc.once('exit', (code) => done(code)));
    await eventually('the two lines to use the cluster', () => (/export KUBECONFIG=\S+\n\s+kubectl get nodes/.test(out) ? true : proc.exitCode !== null ? Promise.reject(new Error(`up exited:\n${out}`)) : undefined), 90_000).catch((err: Error) => {
      throw new Error(`${err.message}\n--- up output ---\n${out}`);
    });
    return { proc, out: () => out, exited };
  }

  async function down(cluster: { proc: ChildProcess; exited: Promise<number | null>; out: () => string }): Promise<void> {
    recordPids();
    const pids = readStatus().components.map((c) => c.pid).filter((p): p is number => p !== null);
    cluster.proc.kill('SIGINT');
    const code = await Promise.race([cluster.exited, new Promise<'slow'>((r) => setTimeout(() => r('slow'), 60_000))]);
    expect(code, cluster.out()).toBe(0);
    expect(cluster.out()).toContain('barque up: stopped');
    await eventually('every component process gone', () => (pids.every((p) => !alive(p)) ? true : undefined), 10_000);
  }

  const kubectl = async (...args: string[]): Promise<string> => (await run(kubectlBin, ['--kubeconfig', join(dataDir, 'kubeconfig'), ...args], { timeout: 30_000 })).stdout;

  it('brings the cluster up, heals a killed component, stops cleanly and resumes', async () => {
    const base = await allocateLoopbackPortBlock(7);
    const first = await up(base);
    expect(first.out()).toContain(`export KUBECONFIG=${join(dataDir, 'kubeconfig')}`);
    const kubeconfig = readFileSync(join(dataDir, 'kubeconfig'), 'utf8');
    expect(kubeconfig).toContain(`server: https://127.0.0.1:${base + 2}`);
    expect(kubeconfig).toContain('client-certificate-data:');
    const ca = readFileSync(join(dataDir, 'pki', 'ca.crt'), 'utf8');

    // The store speaks TLS with client certificates, as a kubeadm etcd does: the real etcdctl gets in with the
    // client certificate `up` made, and is refused without one or over plaintext.
    const pki = join(dataDir, 'pki');
    const etcdctl = (...args: string[]) => run(etcdctlBin, ['--dial-timeout', '3s', '--command-timeout', '10s', ...args], { timeout: 30_000, env: { ...process.env, ETCDCTL_API: '3' } });
    const tlsFlags = [`--cacert=${join(pki, 'ca.crt')}`, `--cert=${join(pki, 'etcd-client.crt')}`, `--key=${join(pki, 'etcd-client.key')}`];
    const https = `--endpoints=https://127.0.0.1:${base}`;
    const registry = (await etcdctl(https, ...tlsFlags, 'get', '/registry/namespaces/default', '--print-value-only=false', '--keys-only')).stdout;
    expect(registry.trim()).toBe('/registry/namespaces/default');
    await expect(etcdctl(https, `--cacert=${join(pki, 'ca.crt')}`, 'get', 'x')).rejects.toThrow();
    await expect(etcdctl(`--endpoints=http://127.0.0.1:${base}`, 'get', 'x')).rejects.toThrow();

    await kubectl('create', 'namespace', 'demo');
    await kubectl('-n', 'demo', 'create', 'deployment', 'web', '--image=busybox', '--replicas=2');
    // The controller-manager (authenticated as system:kube-controller-manager over TLS) makes the ReplicaSet and pods.
    await eventually('2 pods of the deployment', async () => ((await kubectl('-n', 'demo', 'get', 'pods', '-l', 'app=web', '-o', 'name')).trim().split('\n').filter((l) => l !== '').length === 2 ? true : undefined), 60_000);
    expect(await kubectl('-n', 'demo', 'get', 'replicasets', '-o', 'name')).toMatch(/replicaset\.apps\/web-/);
    // The one agent `up` starts registers its Node, and it turns Ready.
    await eventually('the node Ready', async () => (/\sReady\s/.test(await kubectl('get', 'nodes')) ? true : undefined), 60_000);

    // kill -9 the controller-manager: the supervisor starts a new one.
    const cm = readStatus().components.find((c) => c.name === 'controller-manager');
    expect(cm?.pid).toBeTypeOf('number');
    childPids.add(cm?.pid as number);
    process.kill(cm?.pid as number, 'SIGKILL');
    const restarted = await eventually('the controller-manager restarted', () => {
      const c = readStatus().components.find((x) => x.name === 'controller-manager');
      return c !== undefined && c.restarts >= 1 && c.state === 'running' && c.pid !== cm?.pid ? c : undefined;
    }, 60_000);
    expect(alive(restarted.pid as number)).toBe(true);
    expect(readFileSync(join(dataDir, 'logs', 'controller-manager.log'), 'utf8')).toContain('"exit":"signal SIGKILL"');
    // ... and `barque logs` shows the supervisor's account of it among the merged lines.
    const logs = (await run(process.execPath, [join(REPO_ROOT, 'bin', 'barque'), 'logs', '--data-dir', dataDir], { cwd: REPO_ROOT, maxBuffer: 64 << 20 })).stdout;
    expect(logs).toMatch(/controller-manager\*\s+WARN\s+exited; restarting exit="signal SIGKILL" delayMs=1000/);
    expect(logs).toMatch(/ etcd\s/);

    await down(first);

    const second = await up(base);
    expect(await kubectl('get', 'namespace', 'demo', '-o', 'name')).toBe('namespace/demo\n');
    expect(await kubectl('-n', 'demo', 'get', 'deployment', 'web', '-o', 'name')).toBe('deployment.apps/web\n');
    expect(readFileSync(join(dataDir, 'pki', 'ca.crt'), 'utf8')).toBe(ca);
    await down(second);
  });
});
