// Launches etcd members as real processes (the reference etcd 3.4 or `bin/barque etcd`) with etcd's own flags, on
// free loopback ports, for multi-process tests and for scripts/etcd-cluster.ts. A cluster of N members is the unit;
// a single member is a cluster of one.
//
// Every process is started in its own process group, so stopping it stops whatever it spawned too. Every launched
// cluster is remembered until cleaned up, and a process-exit hook kills and removes whatever a failed test left
// behind; tests still call `cleanup()` in afterAll/afterEach so that one test's leftovers never disturb the next.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allocateLoopbackPorts } from './loopback-ports.ts';
import { referenceBinary } from './reference-binaries.ts';
import { memberNodeFlags } from '../member/node-flags.ts';
import { REPO_ROOT } from '../../common/repo-root.ts';

export type EtcdImpl = 'etcd' | 'barque';
export { allocateLoopbackPortBlock, allocateLoopbackPorts } from './loopback-ports.ts';

const BARQUE_BIN = join(REPO_ROOT, 'bin', 'barque');
const LOG_TAIL_BYTES_MAX = 64 * 1024;
const HEALTH_POLL_INTERVAL_MS = 250;
const DEFAULT_START_TIMEOUT_MS = 60_000;
const DEFAULT_STOP_TIMEOUT_MS = 15_000;
const START_ATTEMPTS_MAX = 3;

/** Every process we started and every cluster not yet cleaned up, for the process-exit hook. */
const liveChildren = new Set<ChildProcess>();
const liveClusters = new Set<EtcdCluster>();

// ---------------------------------------------------------------------------------------------------------------
// etcdctl

export interface EtcdctlResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when the command was stopped by us: the time bound passed, or `stopWhen` said enough. */
  stoppedByUs: boolean;
}

export interface EtcdctlOptions {
  /** Written to stdin, which is then closed (etcdctl txn reads it). */
  stdin?: string;
  /** Hard bound; the process group is killed when it passes. */
  timeoutMs?: number;
  /** For commands that never end by themselves (watch): checked on each stdout chunk; true stops the command. */
  stopWhen?: (stdoutSoFar: string) => boolean;
  cwd?: string;
  env?: Record<string, string>;
}

/** Runs etcdctl 3.4 with ETCDCTL_API=3. Never rejects for a non-zero exit: the caller looks at `code`. */
export function runEtcdctl(args: readonly string[], options: EtcdctlOptions = {}): Promise<EtcdctlResult> {
  const binary = referenceBinary('etcdctl');
  const timeoutMs = options.timeoutMs ?? 30_000;
  return new Promise((resolveRun, reject) => {
    const child = spawn(binary, [...args], {
      cwd: options.cwd,
      env: { ...process.env, ETCDCTL_API: '3', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    liveChildren.add(child);
    let stdout = '';
    let stderr = '';
    let stoppedByUs = false;
    const stop = (): void => {
      if (stoppedByUs) return;
      stoppedByUs = true;
      killGroup(child, 'SIGKILL');
    };
    const timer = setTimeout(stop, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (options.stopWhen?.(stdout) === true) stop();
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', (err) => {
      clearTimeout(timer);
      liveChildren.delete(child);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      liveChildren.delete(child);
      resolveRun({ code, signal, stdout, stderr, stoppedByUs });
    });
    child.stdin.on('error', () => {}); // etcdctl may exit before reading all of stdin
    child.stdin.end(options.stdin ?? '');
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Members

export interface MemberSpec {
  name: string;
  clientPort: number;
  peerPort: number;
}

export interface EtcdMemberConfig {
  impl: EtcdImpl;
  spec: MemberSpec;
  dataDir: string;
  initialCluster: string;
  initialClusterToken: string;
  /** Appended after the standard flags, identically for both implementations. */
  extraArgs: readonly string[];
  /** 'existing' for a member added to a running cluster (etcdctl member add first); 'new' by default. */
  initialClusterState?: 'new' | 'existing';
  /** Added to the inherited environment (e.g. a per-member grpc_proxy for the Jepsen runner's partitions). */
  env?: Record<string, string>;
  /** 'https' for TLS client and peer URLs (the TLS flags go in extraArgs); 'http' by default. */
  scheme?: 'http' | 'https';
  /** etcdctl flags the health probe needs (--cacert/--cert/--key with TLS). */
  etcdctlArgs?: readonly string[];
}

export class MemberStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MemberStartError';
  }
}

export class EtcdMember {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private logTail = '';
  private exitNote: string | null = null;

  constructor(readonly config: EtcdMemberConfig) {}

  get name(): string {
    return this.config.spec.name;
  }
  get clientUrl(): string {
    return `${this.config.scheme ?? 'http'}://127.0.0.1:${this.config.spec.clientPort}`;
  }
  get peerUrl(): string {
    return `${this.config.scheme ?? 'http'}://127.0.0.1:${this.config.spec.peerPort}`;
  }
  get dataDir(): string {
    return this.config.dataDir;
  }
  get pid(): number | undefined {
    return this.child?.pid;
  }
  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The exact flags both implementations get. */
  flags(): string[] {
    const { spec } = this.config;
    return [
      `--name=${spec.name}`,
      `--data-dir=${this.config.dataDir}`,
      `--listen-client-urls=${this.clientUrl}`,
      `--advertise-client-urls=${this.clientUrl}`,
      `--listen-peer-urls=${this.peerUrl}`,
      `--initial-advertise-peer-urls=${this.peerUrl}`,
      `--initial-cluster=${this.config.initialCluster}`,
      `--initial-cluster-state=${this.config.initialClusterState ?? 'new'}`,
      `--initial-cluster-token=${this.config.initialClusterToken}`,
      ...this.config.extraArgs,
    ];
  }

  command(): { file: string; args: string[] } {
    if (this.config.impl === 'etcd') return { file: referenceBinary('etcd'), args: this.flags() };
    return { file: process.execPath, args: [...memberNodeFlags(), BARQUE_BIN, 'etcd', ...this.flags()] };
  }

  /** Spawns the process; does not wait for health (see `waitHealthy`). */
  launch(): void {
    if (this.running) throw new Error(`member ${this.name} is already running (pid ${this.pid})`);
    const { file, args } = this.command();
    this.exitNote = null;
    const child = spawn(file, args, { cwd: REPO_ROOT, env: { ...process.env, ...this.config.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.child = child;
    liveChildren.add(child);
    const append = (chunk: Buffer): void => {
      this.logTail = (this.logTail + chunk.toString('utf8')).slice(-LOG_TAIL_BYTES_MAX);
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    this.exited = new Promise((done) => {
      child.once('close', (code, signal) => {
        liveChildren.delete(child);
        this.exitNote = `exited with code ${code} signal ${signal}`;
        done();
      });
      child.once('error', (err) => {
        liveChildren.delete(child);
        this.exitNote = `failed to spawn: ${err.message}`;
        done();
      });
    });
  }

  /** Polls `etcdctl endpoint health` until it succeeds; fails early (with the log tail) if the process exits. */
  async waitHealthy(timeoutMs = DEFAULT_START_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: EtcdctlResult | null = null;
    while (Date.now() < deadline) {
      if (!this.running) {
        await this.exited; // so the error carries the exit status and the whole log
        throw this.startError('exited before becoming healthy');
      }
      last = await runEtcdctl([`--endpoints=${this.clientUrl}`, ...(this.config.etcdctlArgs ?? []), '--command-timeout=2s', '--dial-timeout=2s', 'endpoint', 'health'], {
        timeoutMs: 10_000,
      });
      if (last.code === 0) return;
      await delay(HEALTH_POLL_INTERVAL_MS);
    }
    const lastProbe = last === null ? 'none' : `${last.stdout}${last.stderr}`.trim();
    throw this.startError(`not healthy within ${timeoutMs} ms; last probe: ${lastProbe}`);
  }

  /** SIGTERM to the process group, then SIGKILL if it has not exited within the bound. */
  async stop(timeoutMs = DEFAULT_STOP_TIMEOUT_MS): Promise<void> {
    const child = this.child;
    if (child === null || !this.running) return this.exited;
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** SIGKILL to the process group: a crash, as far as the member can tell. */
  async kill9(): Promise<void> {
    const child = this.child;
    if (child === null) return;
    killGroup(child, 'SIGKILL');
    await this.exited;
  }

  /** Stops (gracefully) and starts again on the same data dir and ports, then waits for health. */
  async restart(timeoutMs = DEFAULT_START_TIMEOUT_MS): Promise<void> {
    await this.stop();
    this.launch();
    await this.waitHealthy(timeoutMs);
  }

  /** The last 64 KiB of the member's stdout+stderr, for failure messages. */
  log(): string {
    return this.logTail;
  }

  private startError(what: string): MemberStartError {
    const note = this.exitNote === null ? '' : ` (${this.exitNote})`;
    const { file, args } = this.command();
    return new MemberStartError(
      `${this.config.impl} member ${this.name} ${what}${note}\ncommand: ${file} ${args.join(' ')}\n--- log tail ---\n${this.logTail.slice(-8000)}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Clusters

export interface ClusterOptions {
  impl: EtcdImpl;
  /** 1 for a single member. */
  members: number;
  /** Member names are `${namePrefix}${i}`. */
  namePrefix?: string;
  initialClusterToken?: string;
  extraArgs?: readonly string[];
  /** Parent of the cluster's temp dir; the OS temp dir by default. */
  baseDir?: string;
  startTimeoutMs?: number;
  /**
   * Runs after ports and data-dir paths are chosen and before any process starts, e.g. to fill each member's
   * data dir with `etcdctl snapshot restore` (the member's name, peer URL and the initial cluster are on it).
   */
  beforeLaunch?: (members: readonly EtcdMember[]) => Promise<void>;
  /** As EtcdMemberConfig's: https URLs and the etcdctl flags to reach them. */
  scheme?: 'http' | 'https';
  etcdctlArgs?: readonly string[];
}

export class EtcdCluster {
  private cleanedUp = false;

  private constructor(
    readonly impl: EtcdImpl,
    readonly rootDir: string,
    readonly members: EtcdMember[],
  ) {}

  /**
   * Starts N members together (they need each other for a quorum) and waits until every one is healthy. On any
   * failure the processes are killed and the temp dir removed before the error is thrown.
   */
  static async start(options: ClusterOptions): Promise<EtcdCluster> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await EtcdCluster.startOnce(options);
      } catch (err) {
        // A port can still be taken between choosing and binding (by something outside the tests); fresh ports
        // and a fresh data dir are a clean second try. Any other start failure is the test's to see.
        if (!(err instanceof MemberStartError) || !/EADDRINUSE|address already in use/.test(err.message) || attempt >= START_ATTEMPTS_MAX) throw err;
      }
    }
  }

  private static async startOnce(options: ClusterOptions): Promise<EtcdCluster> {
    const count = options.members;
    if (!Number.isInteger(count) || count < 1 || count > 9) throw new Error(`members must be 1..9, got ${count}`);
    const rootDir = mkdtempSync(join(options.baseDir ?? tmpdir(), `barque-${options.impl}-`));
    const ports = await allocateLoopbackPorts(2 * count);
    const prefix = options.namePrefix ?? 'm';
    const specs: MemberSpec[] = Array.from({ length: count }, (_, i) => ({
      name: `${prefix}${i}`,
      clientPort: ports[2 * i],
      peerPort: ports[2 * i + 1],
    }));
    const scheme = options.scheme ?? 'http';
    const initialCluster = specs.map((s) => `${s.name}=${scheme}://127.0.0.1:${s.peerPort}`).join(',');
    const members = specs.map(
      (spec) =>
        new EtcdMember({
          impl: options.impl,
          spec,
          dataDir: join(rootDir, `${spec.name}.etcd`),
          initialCluster,
          initialClusterToken: options.initialClusterToken ?? 'barque-test-cluster',
          extraArgs: options.extraArgs ?? [],
          scheme,
          etcdctlArgs: options.etcdctlArgs,
        }),
    );
    const cluster = new EtcdCluster(options.impl, rootDir, members);
    liveClusters.add(cluster);
    try {
      await options.beforeLaunch?.(members);
      for (const m of members) m.launch();
      await Promise.all(members.map((m) => m.waitHealthy(options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS)));
    } catch (err) {
      await cluster.cleanup();
      throw err;
    }
    return cluster;
  }

  /**
   * A further member on fresh ports, to join this running cluster with --initial-cluster-state existing (its
   * --initial-cluster names every current member and itself). Not launched: `etcdctl member add` it first.
   */
  async prepareMember(name: string, extraArgs: readonly string[] = []): Promise<EtcdMember> {
    const [clientPort, peerPort] = await allocateLoopbackPorts(2);
    const first = this.members[0].config;
    const initialCluster = [...this.members.map((m) => `${m.name}=${m.peerUrl}`), `${name}=http://127.0.0.1:${peerPort}`].join(',');
    const member = new EtcdMember({
      impl: this.impl,
      spec: { name, clientPort, peerPort },
      dataDir: join(this.rootDir, `${name}.etcd`),
      initialCluster,
      initialClusterToken: first.initialClusterToken,
      extraArgs: [...first.extraArgs, ...extraArgs],
      initialClusterState: 'existing',
    });
    this.members.push(member);
    return member;
  }

  clientUrls(): string[] {
    return this.members.map((m) => m.clientUrl);
  }

  /** The `--endpoints=` flag for etcdctl. */
  endpointsFlag(): string {
    return `--endpoints=${this.clientUrls().join(',')}`;
  }

  /** etcdctl against every member of this cluster. */
  etcdctl(args: readonly string[], options?: EtcdctlOptions): Promise<EtcdctlResult> {
    return runEtcdctl([this.endpointsFlag(), ...args], options);
  }

  /** SIGTERM to every member, SIGKILL to those still running after the bound. */
  async stop(timeoutMs = DEFAULT_STOP_TIMEOUT_MS): Promise<void> {
    await Promise.all(this.members.map((m) => m.stop(timeoutMs)));
  }

  /** Kills every process (SIGKILL) and removes the temp dir. Safe to call more than once. */
  async cleanup(): Promise<void> {
    if (this.cleanedUp) return;
    this.cleanedUp = true;
    await Promise.all(this.members.map((m) => m.kill9()));
    rmSync(this.rootDir, { recursive: true, force: true });
    liveClusters.delete(this);
  }

  /** Synchronous last resort for the process-exit hook. */
  killNowSync(): void {
    rmSync(this.rootDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Leftovers

/** Kills every process group still running and removes every temp dir; synchronous, for 'exit' handlers. */
export function killAllLeftoversSync(): void {
  for (const child of liveChildren) killGroup(child, 'SIGKILL');
  liveChildren.clear();
  for (const cluster of liveClusters) cluster.killNowSync();
  liveClusters.clear();
}

process.once('exit', killAllLeftoversSync);

function delay(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
