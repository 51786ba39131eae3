// `bin/barque etcd` as a process: command-line errors, joining an unreachable existing cluster refused, ETCD_* variables, clean shutdown.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { allocateLoopbackPorts, runEtcdctl } from '../src/store/testing/etcd-process.ts';
import { referenceBinary } from '../src/store/testing/reference-binaries.ts';

const BIN = resolve(import.meta.dirname, '..', 'bin', 'barque');
const dirs: string[] = [];

function barque(args: string[], env: Record<string, string> = {}, cwd?: string) {
  return watched(spawn(process.execPath, [BIN, 'etcd', ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }));
}

function watched(child: ReturnType<typeof spawn>) {
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((done) => child.once('close', (code) => done(code)));
  return { child, exited, output: () => output };
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('store: barque etcd command line (process)', () => {
  it('exits 2 on an unknown flag, like etcd', async () => {
    const p = barque(['--no-such-flag']);
    expect(await p.exited).toBe(2);
    expect(p.output()).toContain('flag provided but not defined: -no-such-flag');
  });

  it('prints its version as etcd --version does, the served etcd version first, and exits 0', async () => {
    const p = barque(['--version']);
    expect(await p.exited).toBe(0);
    const lines = p.output().trim().split('\n');
    expect(lines[0]).toBe('etcd Version: 3.4.23');
    expect(lines.map((l) => l.split(':')[0])).toEqual(['etcd Version', 'Git SHA', 'Go Version', 'Go OS/Arch']);
    expect(lines[1]).toMatch(/barque \d+\.\d+\.\d+/);
  });

  it('refuses to join an existing cluster it cannot reach, as etcd', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'barque-cli-'));
    dirs.push(dir);
    const p = barque([
      `--data-dir=${dir}`,
      '--name=a',
      '--initial-advertise-peer-urls=http://127.0.0.1:1',
      '--initial-cluster=a=http://127.0.0.1:1,b=http://127.0.0.1:2',
      '--initial-cluster-state=existing',
    ]);
    expect(await p.exited).toBe(1);
    expect(p.output()).toContain('cannot fetch cluster info from peer urls');
  });

  // etcd is the oracle: the same bad command line, in an empty working directory, must give the same exit code and
  // etcd's message, and neither may leave a data directory behind (etcd checks these before touching disk).
  it.each<{ args: string[]; env: Record<string, string> }>([
    { args: ['--listen-client-urls', 'foo://x'], env: {} },
    { args: ['--listen-client-urls', 'http://127.0.0.1', '--advertise-client-urls', 'http://127.0.0.1:1'], env: {} },
    { args: ['--listen-client-urls', 'http://127.0.0.1:2379/path'], env: {} },
    { args: ['--listen-client-urls', 'http://notanip:2379', '--advertise-client-urls', 'http://127.0.0.1:1'], env: {} },
    { args: ['--advertise-client-urls', 'http://:2379'], env: {} },
    { args: ['--listen-client-urls', 'http://127.0.0.1:2379'], env: {} },
    { args: [], env: { ETCD_LISTEN_CLIENT_URLS: 'foo://x' } },
    { args: ['--heartbeat-interval=0'], env: {} },
    { args: ['--election-timeout=60000'], env: {} },
    { args: ['--initial-cluster-state=bogus'], env: {} },
    { args: ['--auto-compaction-mode=daily'], env: {} },
    { args: ['--auto-compaction-retention=abc'], env: {} },
  ])('refuses bad flags as etcd does: $args $env', async ({ args, env }) => {
    const run = async (start: (cwd: string) => ReturnType<typeof watched>) => {
      const cwd = mkdtempSync(join(tmpdir(), 'barque-cli-'));
      dirs.push(cwd);
      const p = start(cwd);
      const timer = setTimeout(() => p.child.kill('SIGKILL'), 60_000); // a member that started anyway: fail, never hang
      const code = await p.exited;
      clearTimeout(timer);
      return { code, output: p.output(), madeDataDir: existsSync(join(cwd, 'default.etcd')) };
    };
    const etcd = await run((cwd) => watched(spawn(referenceBinary('etcd'), args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })));
    const ours = await run((cwd) => barque(args, env, cwd));
    expect(etcd.madeDataDir).toBe(false);
    expect(ours.madeDataDir).toBe(false);
    expect(ours.code).toBe(etcd.code);
    // etcd's logger prefixes its lines with a time and "E | etcdmain: "; the text after it must be ours.
    const etcdMessage = etcd.output.split('\n').find((l) => /invalid value|error verifying flags|error parsing/.test(l)) ?? '';
    expect(etcdMessage).not.toBe('');
    expect(ours.output).toContain(etcdMessage.replace(/^.* [A-Z] \| etcdmain: /, ''));
  });

  it('takes its configuration from ETCD_* variables and stops cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'barque-cli-'));
    dirs.push(dir);
    const [port, peerPort] = await allocateLoopbackPorts(2);
    const url = `http://127.0.0.1:${port}`;
    // The peer port is etcd's default otherwise (2380): a free one lets tests run side by side.
    const env = { ETCD_NAME: 'envname', ETCD_DATA_DIR: dir, ETCD_LISTEN_CLIENT_URLS: url, ETCD_ADVERTISE_CLIENT_URLS: url, ETCD_LISTEN_PEER_URLS: `http://127.0.0.1:${peerPort}` };
    const p = barque([], env);
    try {
      let listed = '';
      for (let i = 0; i < 120 && !listed.includes('envname'); i++) {
        const r = await runEtcdctl([`--endpoints=${url}`, '--dial-timeout=1s', 'member', 'list'], { timeoutMs: 10_000 });
        listed = r.stdout;
        if (!listed.includes('envname')) await new Promise((res) => setTimeout(res, 250));
      }
      expect(listed).toContain(`envname, http://localhost:2380, ${url}`);
    } finally {
      p.child.kill('SIGTERM');
    }
    expect(await p.exited).toBe(0);
  });
});
