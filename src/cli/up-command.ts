// `barque up`: one machine, everything (src/cluster/up.ts). Ctrl-C (SIGINT) or SIGTERM stops every component, last
// started first; starting again with the same --data-dir resumes the same cluster.
import { hostname } from 'node:os';
import { FlagError, forEachFlag, parseCommandFlags } from '../common/cli-flags.ts';
import { Cluster, StartupError } from '../cluster/up.ts';
import { DEFAULT_PORTS, portsFrom, type UpPorts } from '../cluster/ports.ts';

const USAGE = `Usage: barque up [--data-dir=./barque-data] [--no-agent] [--node-name=HOSTNAME]
       [--port-base=N]   (N store client, N+1 peer, N+2 apiserver, N+3 gRPC, N+4 kubelet, N+5 DNS, N+6 ingress)
       [--etcd-client-port=2379] [--etcd-peer-port=2380] [--secure-port=6443] [--grpc-port=6444]
       [--kubelet-port=10250] [--dns-port=10053] [--ingress-port=10080] [--startup-timeout=120s]
`;

interface UpFlags {
  dataDir: string;
  agent: boolean;
  nodeName: string;
  ports: UpPorts;
  startupTimeoutMs: number;
}

const PORT_FLAGS: Record<string, keyof UpPorts> = {
  'etcd-client-port': 'storeClient',
  'etcd-peer-port': 'storePeer',
  'secure-port': 'apiserver',
  'grpc-port': 'grpc',
  'kubelet-port': 'kubelet',
  'dns-port': 'dns',
  'ingress-port': 'ingress',
};

/** A DNS-1123 name from the host name, as a Node name must be. */
function defaultNodeName(): string {
  return hostname().toLowerCase().replace(/[^a-z0-9.-]/g, '-').replace(/^[-.]+|[-.]+$/g, '') || 'barque-node';
}

export function parseUpFlags(argv: string[]): UpFlags {
  const flags: UpFlags = { dataDir: './barque-data', agent: true, nodeName: defaultNodeName(), ports: { ...DEFAULT_PORTS }, startupTimeoutMs: 120_000 };
  const explicit: Partial<UpPorts> = {};
  forEachFlag(argv, (flag) => {
    const { name, value } = flag;
    const port = (): number => {
      const v = value();
      if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 65535) throw new FlagError(`invalid port "${v}" for --${name}`);
      return Number(v);
    };
    if (name in PORT_FLAGS) {
      explicit[PORT_FLAGS[name]] = port();
      return;
    }
    switch (name) {
      case 'data-dir':
        flags.dataDir = value();
        break;
      case 'no-agent':
        flags.agent = false;
        break;
      case 'node-name':
        flags.nodeName = value();
        break;
      case 'port-base': {
        const base = port();
        if (base + 6 > 65535) throw new FlagError(`--port-base ${base} leaves no room for 7 ports`);
        flags.ports = portsFrom(base);
        break;
      }
      case 'startup-timeout': {
        const m = /^(\d+)(s|m)?$/.exec(value());
        if (m === null) throw new FlagError(`invalid duration for --startup-timeout`);
        flags.startupTimeoutMs = Number(m[1]) * (m[2] === 'm' ? 60_000 : 1000);
        break;
      }
      default:
        throw new FlagError(`unknown flag: --${name}`);
    }
  });
  // Single-port flags win over --port-base, whatever the order.
  flags.ports = { ...flags.ports, ...explicit };
  return flags;
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandFlags('barque up', USAGE, argv, parseUpFlags);
  if ('exitCode' in parsed) return parsed.exitCode;
  const flags: UpFlags = parsed.flags;
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  const cluster = new Cluster({ ...flags, say });
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    if (stopping === undefined) say('barque up: stopping');
    return (stopping ??= cluster.down());
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  say(`barque up: data in ${flags.dataDir}`);
  try {
    if (!(await cluster.start())) {
      await stop();
      say('barque up: stopped');
      return 0;
    }
  } catch (err) {
    if (!(err instanceof StartupError)) throw err;
    process.stderr.write(`barque up: ${err.message}\n`);
    return 1;
  }
  say('');
  say('barque is up. To use it:');
  say(`  export KUBECONFIG=${cluster.layout.kubeconfig}`);
  say('  kubectl get nodes');
  say(`(logs: bin/barque logs --data-dir ${flags.dataDir} -f; Ctrl-C stops the cluster)`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    if (stopping !== undefined) resolve();
  });
  await stop();
  say('barque up: stopped');
  return 0;
}
