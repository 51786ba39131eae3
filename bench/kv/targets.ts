// The clusters under test, behind one small adapter over src/store/testing/etcd-process.ts: real etcd 3.4 or
// `bin/barque etcd`, N members with identical etcd flags on free loopback ports, data dirs under one parent dir
// (same disk for both).
import { join } from 'node:path';
import { EtcdCluster, type EtcdctlOptions, type EtcdctlResult } from '../../src/store/testing/etcd-process.ts';
import { treeCpuSeconds, treePeakRssKiB } from '../lib/index.ts';
import { REPO_ROOT } from '../../src/common/repo-root.ts';

export type TargetName = 'barque' | 'etcd';
export const TARGET_NAMES: readonly TargetName[] = ['barque', 'etcd'];

export interface BenchTarget {
  readonly name: TargetName;
  readonly endpoints: readonly string[];
  etcdctl(args: readonly string[], options?: EtcdctlOptions): Promise<EtcdctlResult>;
  /** Peak RSS (VmHWM summed over each member's process tree) in KiB, per member; null for a member that is gone. */
  peakRssKiB(): (number | null)[];
  /** CPU seconds (utime + stime) used so far by every member's process tree, summed. */
  cpuSeconds(): number;
  /** Graceful stop (SIGTERM; barque members write their CPU profiles then), then kill leftovers and remove data. */
  shutdown(): Promise<void>;
}

export interface StartTargetOptions {
  members: number;
  /** Parent of the data dirs. */
  baseDir?: string;
  /** barque only: write each member's CPU profile into this directory. */
  cpuProfileDir?: string;
}

const PROFILE_PRELOAD = join(REPO_ROOT, 'bench', 'kv', 'cpu-profile-preload.mjs');

export async function startTarget(name: TargetName, options: StartTargetOptions): Promise<BenchTarget> {
  const restoreEnv = name === 'barque' && options.cpuProfileDir !== undefined ? profileEnv(options.cpuProfileDir) : null;
  let cluster: EtcdCluster;
  try {
    cluster = await EtcdCluster.start({
      impl: name,
      members: options.members,
      namePrefix: `${name}-`,
      initialClusterToken: `bench-${name}`,
      baseDir: options.baseDir,
    });
  } finally {
    restoreEnv?.(); // members are spawned by now; they keep the environment they were started with
  }
  return {
    name,
    endpoints: cluster.clientUrls(),
    etcdctl: (args, etcdctlOptions) => cluster.etcdctl(args, etcdctlOptions),
    peakRssKiB: () => cluster.members.map((m) => (m.pid === undefined ? null : treePeakRssKiB(m.pid))),
    cpuSeconds: () => cluster.members.reduce((sum, m) => sum + (m.pid === undefined ? 0 : (treeCpuSeconds(m.pid) ?? 0)), 0),
    shutdown: async () => {
      await cluster.stop();
      await cluster.cleanup();
    },
  };
}

/** Sets NODE_OPTIONS for the members about to be spawned; returns the undo. */
function profileEnv(dir: string): () => void {
  const saved = { options: process.env.NODE_OPTIONS, dir: process.env.BARQUE_CPU_PROFILE_DIR };
  process.env.NODE_OPTIONS = `${saved.options ?? ''} --import ${PROFILE_PRELOAD}`.trim();
  process.env.BARQUE_CPU_PROFILE_DIR = dir;
  return () => {
    restore('NODE_OPTIONS', saved.options);
    restore('BARQUE_CPU_PROFILE_DIR', saved.dir);
  };
}

function restore(key: string, value: string | undefined): void {
  if (value === undefined) delete process.env[key];
  else process.env[key] = value;
}
