// `barque agent`: the node agent — kubelet sync loop over the process (or hollow) runtime, node registration,
// Lease and status, the kubelet HTTP endpoint for logs and stats, and the node networking (kube-proxy role, cluster
// DNS, ingress). SIGTERM/SIGINT stop it and every container it started (docs/agents-kubelet.md).
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, agentNodeNames, type AgentOptions } from '../agents/kubelet/index.ts';
import { FlagError, forEachFlag, parseBoolFlag, parseCommandFlags } from '../common/cli-flags.ts';
import { credentialsFromFlag, nodeCredentialsFromDir } from './component-credentials.ts';
import { createLogger } from '../common/logger.ts';
import { parseDurationFlag as parseDuration } from '../common/duration-flag.ts';

const USAGE = `Usage: barque agent --apiserver=HOST:PORT[,HOST:PORT...] [flags]
  --apiserver                      the apiservers' gRPC addresses (failover in order)
  --node-name=HOSTNAME             the Node's name (with --hollow-nodes K: NAME-0 … NAME-(K-1))
  --node-index=0                   the node's /24 in 127.64.0.0/10: its address is 127.(64+i/256).(i%256).1
  --runtime=process|hollow         real child processes, or simulated containers (default process; hollow with --hollow-nodes)
  --hollow-nodes=0                 run K hollow nodes in this one process
  --root-dir=TMP/barque-agent      logs and volumes (process runtime)
  --cpu=N  --memory=Q  --pods=110  capacity (default: the machine's)
  --kubelet-port=10250             logs and stats for the apiserver, on the node address (0: any free port)
  --node-lease-renew-interval=10s  --node-status-update-frequency=10s  --pod-resync-period=10s
  --proxy=true                     run the kube-proxy role, cluster DNS and ingress (default false with --hollow-nodes)
  --dns-port=10053  --ingress-port=10080  --cluster-domain=cluster.local  --upstream-dns=HOST:PORT
  --kubeconfig=PATH                CA and client certificate or token for secure apiservers, shared by every node
  --kubeconfig-dir=DIR             one kubeconfig per node, DIR/<node name>.kubeconfig: each hollow node is its own
                                   system:node:<name> (barque cluster writes these)
`;

export type AgentFlags = Omit<AgentOptions, 'logger' | 'clock' | 'credentials' | 'nodeCredentials'> & { kubeconfig?: string; kubeconfigDir?: string };

function hostPort(text: string, flag: string): { host: string; port: number } {
  const m = /^(.+):(\d+)$/.exec(text);
  if (m === null) throw new FlagError(`invalid --${flag} "${text}": want HOST:PORT`);
  return { host: m[1], port: Number(m[2]) };
}

export function parseAgentFlags(argv: string[]): AgentFlags {
  const flags: AgentFlags = {
    apiservers: [],
    nodeName: hostname(),
    nodeIndex: 0,
    runtime: 'process',
    rootDir: '',
    hollowNodes: 0,
    resources: {},
    kubeletPort: 10250,
    leaseRenewMs: 10_000,
    statusUpdateMs: 10_000,
    podResyncMs: 10_000,
    proxy: true,
    dnsPort: 10053,
    ingressPort: 10080,
    clusterDomain: 'cluster.local',
  };
  let runtimeSet = false;
  let proxySet = false;
  forEachFlag(argv, (flag) => {
    const { name, value } = flag;
    const int = (): number => {
      const v = value();
      if (!/^\d+$/.test(v)) throw new FlagError(`invalid number "${v}" for --${name}`);
      return Number(v);
    };
    switch (name) {
      case 'apiserver':
        flags.apiservers = value().split(',').map((s) => s.trim()).filter((s) => s !== '');
        break;
      case 'node-name':
        flags.nodeName = value();
        break;
      case 'node-index':
        flags.nodeIndex = int();
        break;
      case 'runtime': {
        const v = value();
        if (v !== 'process' && v !== 'hollow') throw new FlagError(`invalid --runtime "${v}": want process or hollow`);
        flags.runtime = v;
        runtimeSet = true;
        break;
      }
      case 'hollow-nodes':
        flags.hollowNodes = int();
        break;
      case 'root-dir':
        flags.rootDir = value();
        break;
      case 'cpu':
        flags.resources.cpu = value();
        break;
      case 'memory':
        flags.resources.memory = value();
        break;
      case 'pods':
        flags.resources.pods = String(int());
        break;
      case 'kubelet-port':
        flags.kubeletPort = int();
        break;
      case 'node-lease-renew-interval':
        flags.leaseRenewMs = parseDuration(value());
        break;
      case 'node-status-update-frequency':
        flags.statusUpdateMs = parseDuration(value());
        break;
      case 'pod-resync-period':
        flags.podResyncMs = parseDuration(value());
        break;
      case 'proxy':
        flags.proxy = parseBoolFlag(flag.inline ?? '', name);
        proxySet = true;
        break;
      case 'dns-port':
        flags.dnsPort = int();
        break;
      case 'ingress-port':
        flags.ingressPort = int();
        break;
      case 'cluster-domain':
        flags.clusterDomain = value();
        break;
      case 'upstream-dns':
        flags.upstreamDns = hostPort(value(), name);
        break;
      case 'kubeconfig':
        flags.kubeconfig = value();
        break;
      case 'kubeconfig-dir':
        flags.kubeconfigDir = value();
        break;
      default:
        throw new FlagError(`unknown flag: --${name}`);
    }
  });
  if (flags.apiservers.length === 0) throw new FlagError('--apiserver is required');
  if (flags.kubeconfig !== undefined && flags.kubeconfigDir !== undefined) throw new FlagError('--kubeconfig and --kubeconfig-dir exclude each other');
  if (flags.hollowNodes > 0) {
    if (runtimeSet && flags.runtime !== 'hollow') throw new FlagError('--hollow-nodes needs --runtime=hollow');
    flags.runtime = 'hollow';
    if (!proxySet) flags.proxy = false;
  }
  if (flags.rootDir === '') flags.rootDir = join(tmpdir(), `barque-agent-${flags.nodeName}`);
  return flags;
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandFlags('barque agent', USAGE, argv, parseAgentFlags);
  if ('exitCode' in parsed) return parsed.exitCode;
  const flags: AgentFlags = parsed.flags;
  const credentials = credentialsFromFlag('barque agent', flags.kubeconfig);
  if (credentials === null) return 2;
  const nodeCredentials = nodeCredentialsFromDir('barque agent', flags.kubeconfigDir, agentNodeNames(flags.nodeName, flags.hollowNodes));
  if (nodeCredentials === null) return 2;
  const logger = createLogger({ name: 'agent' });
  const agent = new Agent({ ...flags, credentials, nodeCredentials, logger });
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  let stop: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  process.once('SIGTERM', () => stop());
  process.once('SIGINT', () => stop());
  try {
    const endpoints = await agent.start();
    for (const n of endpoints.nodes) say(`agent node ${n.name} registered, kubelet listening on ${n.address}:${n.kubeletPort}`);
    if (endpoints.dns !== undefined) say(`agent dns listening on ${endpoints.dns}`);
    if (endpoints.ingress !== undefined) say(`agent ingress listening on ${endpoints.ingress}`);
    say(`agent ready with ${endpoints.nodes.length} node(s)`);
  } catch (err) {
    logger.error({ err: err instanceof Error ? err.stack : String(err) }, 'agent failed to start');
    await agent.stop();
    logger.flush();
    return 1;
  }
  await stopped;
  await agent.stop();
  logger.flush();
  say('agent stopped');
  return 0;
}
