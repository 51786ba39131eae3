// `bin/barque cluster …` driven as child processes, and its <data-dir>/cluster.json read back (docs/cluster.md).
// The bench never starts components itself: the cluster command owns them.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ComponentPid } from './process-usage.ts';
import { REPO_ROOT } from '../../src/common/repo-root.ts';

const BARQUE = join(REPO_ROOT, 'bin', 'barque');

export interface ClusterFile {
  phase: string;
  store: string;
  kubeconfig: string;
  /** The REST endpoint the kubeconfig names (the masters' failover front). */
  endpoint: string;
  apiservers: string[];
  grpcAddresses: string[];
  storeClientUrls: string[];
  masters: { index: number; up: boolean; pids: Record<string, number | null> }[];
  nodes: { name: string; hollowNodes: number; pid: number | null }[];
}

/** The parts of `cluster status -o json` the drills use. */
export interface ClusterStatusJson {
  store: { leaderMaster: number | null };
  controllerManagerLeader: { master: number | null } | null;
  schedulerLeader: { master: number | null } | null;
  nodes: { name: string; ready: boolean }[] | null;
}

export interface ClusterUpOptions {
  masters: number;
  hollowNodes: number;
  store: 'barque' | 'etcd';
  basePort?: number;
}

export class ClusterCli {
  constructor(readonly dataDir: string) {}

  /** Starts the cluster; `onLine` gets each of `cluster up`'s progress lines. */
  async up(options: ClusterUpOptions, onLine?: (line: string) => void): Promise<ClusterFile> {
    const args = ['up', `--masters=${options.masters}`, '--nodes=0', `--hollow-nodes=${options.hollowNodes}`, `--store=${options.store}`];
    if (options.basePort !== undefined) args.push(`--base-port=${options.basePort}`);
    await this.cli(args, 600_000, onLine);
    return this.file();
  }

  file(): ClusterFile {
    return JSON.parse(readFileSync(join(this.dataDir, 'cluster.json'), 'utf8')) as ClusterFile;
  }

  async status(): Promise<ClusterStatusJson> {
    return JSON.parse(await this.cli(['status', '-o', 'json'], 60_000)) as ClusterStatusJson;
  }

  async killMaster(i: number): Promise<void> {
    await this.cli(['kill-master', String(i)], 60_000);
  }

  async restartMaster(i: number): Promise<void> {
    await this.cli(['restart-master', String(i), '--startup-timeout=290s'], 300_000);
  }

  async down(): Promise<void> {
    await this.cli(['down'], 120_000);
  }

  private cli(args: string[], timeoutMs: number, onLine?: (line: string) => void): Promise<string> {
    return new Promise((done, fail) => {
      const child = spawn(process.execPath, [BARQUE, 'cluster', ...args, `--data-dir=${this.dataDir}`], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let output = '';
      let partial = '';
      const take = (chunk: Buffer, isStdout: boolean): void => {
        const text = chunk.toString();
        if (isStdout) stdout += text;
        output = (output + text).slice(-20_000);
        if (onLine === undefined) return;
        const lines = (partial + text).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) if (line.trim() !== '') onLine(line);
      };
      child.stdout.on('data', (c: Buffer) => take(c, true));
      child.stderr.on('data', (c: Buffer) => take(c, false));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) done(stdout);
        else fail(new Error(`barque cluster ${args.join(' ')}: exited with ${code ?? signal}\n${output}`.trim()));
      });
    });
  }
}

/** Every component process cluster.json names: "m0/apiserver", …, and each node agent. */
export function componentPids(file: ClusterFile): ComponentPid[] {
  const out: ComponentPid[] = [];
  for (const m of file.masters) {
    for (const [name, pid] of Object.entries(m.pids)) if (pid !== null) out.push({ component: `m${m.index}/${name}`, pid });
  }
  for (const n of file.nodes) if (n.pid !== null) out.push({ component: `agent ${n.name}`, pid: n.pid });
  return out;
}
