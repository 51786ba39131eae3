// `barque cluster`'s shape: what was asked for (saved in <data-dir>/cluster-config.json so a second `up` resumes the
// same cluster), the port plan from --base-port, and where everything lives in the data directory.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export type StoreImpl = 'barque' | 'etcd';

export interface ClusterConfig {
  masters: number;
  nodes: number;
  hollowNodes: number;
  basePort: number;
  store: StoreImpl;
}

export const DEFAULT_CONFIG: Readonly<ClusterConfig> = { masters: 3, nodes: 0, hollowNodes: 0, basePort: 27000, store: 'barque' };
export const HOST = '127.0.0.1';

export interface MasterPorts {
  storeClient: number;
  storePeer: number;
  apiserver: number;
  grpc: number;
}

export interface NodePorts {
  kubelet: number;
  dns: number;
  ingress: number;
}

/** base: the kubeconfig's failover endpoint; base+10(i+1)…: master i; base+100+10j…: process node j. */
export function masterPorts(config: ClusterConfig, i: number): MasterPorts {
  const at = config.basePort + 10 * (i + 1);
  return { storeClient: at, storePeer: at + 1, apiserver: at + 2, grpc: at + 3 };
}

export function nodePorts(config: ClusterConfig, j: number): NodePorts {
  const at = config.basePort + 100 + 10 * j;
  return { kubelet: at, dns: at + 1, ingress: at + 2 };
}

export function endpointPort(config: ClusterConfig): number {
  return config.basePort;
}

/** The highest port the plan uses, to check --base-port. */
export function lastPort(config: ClusterConfig): number {
  return config.basePort + 100 + 10 * Math.max(config.nodes, 1);
}

export interface ClusterLayout {
  dataDir: string;
  configFile: string;
  /** The endpoints file for tools (docs/cluster.md). */
  clusterFile: string;
  kubeconfig: string;
  pkiDir: string;
  pidFile: string;
  controlSocket: string;
  /** The detached supervisor's own stdout: its progress lines, which `cluster up` prints. */
  supervisorLog: string;
  /** Master i's directory: store data, logs/ (one file per component, `barque logs --data-dir` reads it), status.json. */
  masterDir(i: number): string;
  nodesDir: string;
}

export function clusterLayout(dataDir: string): ClusterLayout {
  const dir = resolve(dataDir);
  return {
    dataDir: dir,
    configFile: join(dir, 'cluster-config.json'),
    clusterFile: join(dir, 'cluster.json'),
    kubeconfig: join(dir, 'kubeconfig'),
    pkiDir: join(dir, 'pki'),
    pidFile: join(dir, 'supervisor.pid'),
    controlSocket: join(dir, 'control.sock'),
    supervisorLog: join(dir, 'supervisor.log'),
    masterDir: (i) => join(dir, `m${i}`),
    nodesDir: join(dir, 'nodes'),
  };
}

export function readConfig(layout: ClusterLayout): ClusterConfig | undefined {
  if (!existsSync(layout.configFile)) return undefined;
  return { ...DEFAULT_CONFIG, ...(JSON.parse(readFileSync(layout.configFile, 'utf8')) as Partial<ClusterConfig>) };
}

export function writeConfig(layout: ClusterLayout, config: ClusterConfig): void {
  writeFileSync(layout.configFile, `${JSON.stringify(config, null, 2)}\n`);
}
