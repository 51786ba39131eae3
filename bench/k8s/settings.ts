// `barque bench k8s` flags.
import { parseArgs } from 'node:util';

export type StoreKind = 'barque' | 'etcd';

export interface K8sBenchSettings {
  stores: StoreKind[];
  masters: number;
  hollowNodes: number;
  deployments: number;
  replicas: number;
  /** Pods created one at a time after the saturation pods run, as upstream's density test does (0: none). */
  latencyPods: number;
  /** Latency pods created per second. */
  latencyRate: number;
  drills: boolean;
  /** Probe rounds per second (5 calls each). */
  probeRate: number;
  /** Bound on waiting for every pod to run, per store. */
  timeoutMs: number;
  basePort: number | undefined;
  outDir: string | undefined;
  /** Where the clusters' data dirs go (<dir>/<store>); a temporary folder, removed afterwards, when not given. */
  workDir: string | undefined;
  namespace: string;
}

export const USAGE = `usage: barque bench k8s [flags]

A ${'`barque cluster up`'} cluster per store (barque's, then real etcd 3.4.23), D Deployments × R replicas in one
namespace (the saturation pods), then L latency pods at a steady rate, measured: pod startup latency, scheduling
throughput, API call latency (probe), CPU and peak RSS of every component, and failover drills. Results in
bench/results/<timestamp>-k8s/ (results.json, report.md, SVGs).

  --stores barque,etcd     stores to run, in this order (default barque,etcd)
  --masters N              masters (default 3)
  --hollow-nodes M         hollow nodes (default 100)
  --deployments D          Deployments (default 30)
  --replicas R             replicas each (default 100)
  --latency-pods L         then L pods, one 1-replica Deployment each, created at a steady rate once the D × R
                           saturation pods run: the SLO's pod startup latency (default 500, as upstream's density
                           test measures at least; 0: none)
  --latency-rate N         latency pods created per second (default 5, upstream's)
  --namespace NS           the workload's namespace (default density)
  --probe-rate N           API probe rounds/s, 5 calls each (default 5)
  --no-drills              skip the kill-master drills
  --timeout S              seconds to wait for all pods Running, per store (default 900)
  --base-port P            passed to \`cluster up\`
  --out DIR                results folder
  --work-dir DIR           the clusters' data dirs, DIR/<store> (default: a temporary folder, removed afterwards)
  --quick                  10 hollow nodes, 3 × 10 pods, 10 latency pods, drills kept
`;

export class UsageError extends Error {}

export function parseSettings(argv: string[]): K8sBenchSettings {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      stores: { type: 'string' },
      masters: { type: 'string' },
      'hollow-nodes': { type: 'string' },
      deployments: { type: 'string' },
      replicas: { type: 'string' },
      'latency-pods': { type: 'string' },
      'latency-rate': { type: 'string' },
      'probe-rate': { type: 'string' },
      'no-drills': { type: 'boolean' },
      timeout: { type: 'string' },
      'base-port': { type: 'string' },
      out: { type: 'string' },
      'work-dir': { type: 'string' },
      namespace: { type: 'string' },
      quick: { type: 'boolean' },
    },
  });
  const quick = values.quick === true;
  const int = (name: string, raw: string | undefined, fallback: number, min: number): number => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer ≥ ${min}, got "${raw}"`);
    return n;
  };
  const stores = (values.stores ?? 'barque,etcd').split(',').filter((s) => s !== '');
  for (const s of stores) if (s !== 'barque' && s !== 'etcd') throw new UsageError(`--stores: unknown store "${s}" (barque, etcd)`);
  if (stores.length === 0) throw new UsageError('--stores: at least one store');
  return {
    stores: stores as StoreKind[],
    masters: int('masters', values.masters, 3, 1),
    hollowNodes: int('hollow-nodes', values['hollow-nodes'], quick ? 10 : 100, 1),
    deployments: int('deployments', values.deployments, quick ? 3 : 30, 1),
    replicas: int('replicas', values.replicas, quick ? 10 : 100, 1),
    latencyPods: int('latency-pods', values['latency-pods'], quick ? 10 : 500, 0),
    latencyRate: int('latency-rate', values['latency-rate'], 5, 1),
    drills: values['no-drills'] !== true,
    probeRate: int('probe-rate', values['probe-rate'], 5, 1),
    timeoutMs: int('timeout', values.timeout, 900, 1) * 1000,
    basePort: values['base-port'] === undefined ? undefined : int('base-port', values['base-port'], 0, 1024),
    outDir: values.out,
    workDir: values['work-dir'],
    namespace: values.namespace ?? 'density',
  };
}
