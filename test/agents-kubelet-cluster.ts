// The node agent tests' cluster, all real processes: etcd 3.4, `bin/barque apiserver` (plain HTTP for kubectl, gRPC
// for the agents), optionally `bin/barque controller-manager` and `bin/barque scheduler`, and `bin/barque agent`
// processes whose startup lines tell where their kubelet, DNS and ingress listen. stop() ends every one of them.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EtcdCluster } from '../src/store/testing/etcd-process.ts';
import { referenceBinary } from '../src/store/testing/reference-binaries.ts';
import { startApiserverProcess, type ApiserverProcess } from './apiserver-grpc-process.ts';
import { runKubectl, type RunResult } from './apiserver-harness.ts';
import { startControllerManager } from './agents-support/controller-manager-process.ts';
import { startScheduler } from './agents-support/scheduler-process.ts';
import { stopChild } from './process-helpers.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const START_TIMEOUT_MS = 90_000;

export interface AgentProcess {
  pid: number;
  nodes: { name: string; kubelet: string }[];
  dns?: { host: string; port: number };
  ingress?: { host: string; port: number };
  rootDir: string;
  log(): string;
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

export interface KubeletCluster {
  apiserver: ApiserverProcess;
  dir: string;
  kubeconfig: string;
  kubectl(args: string[], timeoutMs?: number): Promise<RunResult>;
  startAgent(args: string[]): Promise<AgentProcess>;
  stop(): Promise<void>;
}

function hostPort(text: string): { host: string; port: number } {
  const i = text.lastIndexOf(':');
  return { host: text.slice(0, i), port: Number(text.slice(i + 1)) };
}

/** `bin/barque agent` against the gRPC address, resolved once it printed that it is ready. */
export async function startAgentProcess(grpcAddress: string, rootDir: string, args: string[]): Promise<AgentProcess> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'barque'), 'agent', `--apiserver=${grpcAddress}`, `--root-dir=${rootDir}`, ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, BARQUE_LOG_LEVEL: process.env.BARQUE_LOG_LEVEL ?? 'warn' },
  });
  let log = '';
  let out = '';
  const stop = (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> => stopChild(child, signal, 60_000);
  child.stderr?.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-50_000)));
  try {
    await new Promise<void>((done, reject) => {
      const timer = setTimeout(() => reject(new Error(`agent did not start within ${START_TIMEOUT_MS} ms:\n${out}\n${log}`)), START_TIMEOUT_MS);
      child.stdout?.on('data', (c: Buffer) => {
        out += c.toString();
        if (/agent ready with \d+ node/.test(out)) {
          clearTimeout(timer);
          done();
        }
      });
      child.once('close', (code) => {
        clearTimeout(timer);
        reject(new Error(`agent exited with ${code}:\n${out}\n${log}`));
      });
    });
  } catch (err) {
    await stop('SIGKILL');
    throw err;
  }
  const nodes = [...out.matchAll(/agent node (\S+) registered, kubelet listening on (\S+)/g)].map((m) => ({ name: m[1], kubelet: m[2] }));
  const dns = /agent dns listening on (\S+)/.exec(out);
  const ingress = /agent ingress listening on (\S+)/.exec(out);
  return {
    pid: child.pid ?? 0,
    nodes,
    dns: dns === null ? undefined : hostPort(dns[1]),
    ingress: ingress === null ? undefined : hostPort(ingress[1]),
    rootDir,
    log: () => `${out}\n${log}`,
    stop,
  };
}

export async function startKubeletCluster(options: { controllers: boolean; controllerManagerFlags?: string[] }): Promise<KubeletCluster> {
  const kubectl = referenceBinary('kubectl');
  const dir = mkdtempSync(join(tmpdir(), 'barque-kubelet-test-'));
  const etcd = await EtcdCluster.start({ impl: 'etcd', members: 1 });
  const cleanups: (() => Promise<void>)[] = [async () => etcd.cleanup(), async () => rmSync(dir, { recursive: true, force: true })];
  const stop = async (): Promise<void> => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
    cleanups.length = 0;
  };
  try {
    const apiserver = await startApiserverProcess(etcd.clientUrls());
    cleanups.push(() => apiserver.stop());
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: barque, cluster: {server: "' + apiserver.url + '"}}]',
        'contexts: [{name: barque, context: {cluster: barque, user: barque, namespace: default}}]',
        'current-context: barque',
        'users: [{name: barque, user: {}}]',
        '',
      ].join('\n'),
    );
    if (options.controllers) {
      const manager = await startControllerManager([apiserver.grpcAddress], options.controllerManagerFlags ?? []);
      cleanups.push(() => manager.stop());
      const scheduler = await startScheduler([apiserver.grpcAddress], 'kubelet-test-scheduler');
      cleanups.push(() => scheduler.stop());
      await Promise.all([manager.leading, scheduler.leading]);
    }
    let agents = 0;
    return {
      apiserver,
      dir,
      kubeconfig,
      kubectl: (args, timeoutMs) => runKubectl(kubectl, kubeconfig, args, timeoutMs),
      startAgent: async (args) => {
        const agent = await startAgentProcess(apiserver.grpcAddress, join(dir, `agent-${agents++}`), args);
        cleanups.push(() => agent.stop());
        return agent;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
