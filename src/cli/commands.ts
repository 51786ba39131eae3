// The subcommand table. Each entry loads its module lazily so `barque --help` stays fast.
export interface CommandModule {
  run(argv: string[]): Promise<number>;
}

export interface Command {
  summary: string;
  load(): Promise<CommandModule>;
}

export const commands: Record<string, Command> = {
  agent: { summary: 'run a node agent: kubelet, kube-proxy, DNS and ingress (or K hollow nodes)', load: async () => import('./agent-command.ts') },
  apiserver: { summary: 'run the Kubernetes API server over etcd', load: async () => import('./apiserver-command.ts') },
  bench: {
    summary: 'benchmarks: `bench kv` (KV workloads) and `bench k8s` (density, failover) against etcd 3.4',
    // `bench k8s` has its own door; everything else (`bench kv`, usage) stays with bench/kv/command.ts.
    load: async () => ({
      run: async (argv: string[]) => (argv[0] === 'k8s' ? (await import('../../bench/k8s/command.ts')).run(argv.slice(1)) : (await import('../../bench/kv/command.ts')).run(argv)),
    }),
  },
  cluster: { summary: 'a local multi-master cluster: `cluster up|status|kill-master I|restart-master I|down`', load: async () => import('./cluster-command.ts') },
  'controller-manager': { summary: 'run the workload controllers, leader-elected', load: async () => import('./controller-manager-command.ts') },
  etcd: {
    summary: 'run an etcd-compatible store member (etcd 3.4 flags)',
    load: async () => import('./etcd-command.ts'),
  },
  logs: { summary: "`barque up`'s component logs merged by time (-f follows)", load: async () => import('./logs-command.ts') },
  scheduler: { summary: 'run the pod scheduler against the apiserver (leader-elected)', load: async () => import('./scheduler-command.ts') },
  up: { summary: 'one machine, everything: store, apiserver, controllers, scheduler and a node agent, supervised', load: async () => import('./up-command.ts') },
  version: {
    summary: 'print the version',
    load: async () => import('./version-command.ts'),
  },
};
