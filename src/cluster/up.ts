// `barque up`: the whole cluster on one machine, each component a supervised child process of this one — a store
// member, the apiserver (TLS, certificates in <data-dir>/pki), controller-manager, scheduler and a node agent.
// Everything lives in the data directory, so starting again with it resumes the same cluster.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { withTimeout } from '../common/with-timeout.ts';
import { componentKubeconfigs, type ComponentKubeconfigs } from './credentials.ts';
import { killLeftovers } from './leftovers.ts';
import type { UpPorts } from './ports.ts';
import { Supervisor, type ComponentSpec } from './supervisor.ts';
import { apiserverStoreTlsArgs, memberTlsArgs, storeTls, type StoreTls } from './store-tls.ts';
import { memberNodeFlags } from '../store/member/node-flags.ts';
import { BARQUE_BIN } from '../common/repo-root.ts';

const HOST = '127.0.0.1';

export interface UpOptions {
  dataDir: string;
  ports: UpPorts;
  nodeName: string;
  /** Run the node agent (when the agent command can authenticate to a TLS apiserver). */
  agent: boolean;
  /** A component that is not healthy by then fails `up`. */
  startupTimeoutMs: number;
  say: (line: string) => void;
}

export interface UpLayout {
  dataDir: string;
  kubeconfig: string;
  logDir: string;
  statusFile: string;
  pkiDir: string;
}

export function layoutOf(dataDir: string): UpLayout {
  const dir = resolve(dataDir);
  return { dataDir: dir, kubeconfig: join(dir, 'kubeconfig'), logDir: join(dir, 'logs'), statusFile: join(dir, 'status.json'), pkiDir: join(dir, 'pki') };
}

const MEMBER = 'default';

/**
 * The controller-manager's local-path provisioner: volumes under <data dir>/storage, and the default StorageClass
 * `local-path` k3s users expect (docs/agents-controllers.md#storage).
 */
export function localStorageArgs(dataDir: string): string[] {
  return ['--default-storage-class', 'local-path', '--local-storage-root', join(dataDir, 'storage')];
}

export function planComponents(options: UpOptions, layout: UpLayout, creds: ComponentKubeconfigs, store: StoreTls): ComponentSpec[] {
  const p = options.ports;
  const grpc = `${HOST}:${p.grpc}`;
  const barque = (name: string, args: string[], ready: ComponentSpec['ready']): ComponentSpec => ({ name, command: process.execPath, args: [...(name === 'etcd' ? memberNodeFlags() : []), BARQUE_BIN, name, ...args], ready });
  // The store's links are TLS too, with etcd's flags; only the cluster's CA-signed clients get in.
  const peer = `https://${HOST}:${p.storePeer}`;
  const client = `https://${HOST}:${p.storeClient}`;
  const specs = [
    barque('etcd', ['--name', MEMBER, '--data-dir', join(layout.dataDir, 'etcd'), '--listen-client-urls', client, '--advertise-client-urls', client, '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', `${MEMBER}=${peer}`, ...memberTlsArgs(store, MEMBER)], { port: p.storeClient }),
    barque('apiserver', ['--etcd-servers', client, ...apiserverStoreTlsArgs(store), '--cert-dir', layout.pkiDir, '--secure-port', String(p.apiserver), '--grpc-port', String(p.grpc), '--write-kubeconfig', layout.kubeconfig], { line: /^apiserver listening on / }),
    barque('controller-manager', ['--apiserver', grpc, '--kubeconfig', creds.controllerManager, ...localStorageArgs(layout.dataDir)], { line: /^controller-manager .* started$/ }),
    barque('scheduler', ['--apiserver', grpc, '--kubeconfig', creds.scheduler], { line: /^scheduler (leading|running|.* waiting)/ }),
  ];
  if (options.agent) {
    specs.push(barque('agent', ['--apiserver', grpc, '--node-name', options.nodeName, '--root-dir', join(layout.dataDir, 'agent'), '--kubelet-port', String(p.kubelet), '--dns-port', String(p.dns), '--ingress-port', String(p.ingress), '--kubeconfig', creds.agent], { line: /^agent ready/ }));
  }
  return specs;
}

export class Cluster {
  readonly layout: UpLayout;
  private readonly supervisor: Supervisor;
  private stopping = false;
  private stopped: () => void = () => {};
  private readonly stopRequested = new Promise<void>((resolve) => (this.stopped = resolve));

  constructor(private readonly options: UpOptions) {
    this.layout = layoutOf(options.dataDir);
    this.supervisor = new Supervisor({
      logDir: this.layout.logDir,
      statusFile: this.layout.statusFile,
      onEvent: (name, event) => options.say(`${name}: ${event}`),
    });
  }

  /**
   * Starts the components in order, each once the one before is healthy. A timeout stops what started and throws
   * StartupError; down() during start-up ends it early (start() then returns false).
   */
  async start(): Promise<boolean> {
    const { options, layout } = this;
    mkdirSync(layout.logDir, { recursive: true });
    const leftovers = killLeftovers(layout.statusFile);
    if (leftovers.length > 0) options.say(`ended components a previous up left running: ${leftovers.join(', ')}`);
    const creds = componentKubeconfigs(layout.pkiDir, `https://${HOST}:${options.ports.apiserver}`, options.nodeName);
    for (const spec of planComponents(options, layout, creds, storeTls(layout.pkiDir, [MEMBER]))) {
      if (this.stopping) return false;
      const log = join(layout.logDir, `${spec.name}.log`);
      const outcome = await withTimeout(Promise.race([this.supervisor.start(spec).then(() => 'ready' as const), this.stopRequested.then(() => 'stopped' as const)]), options.startupTimeoutMs);
      if (outcome === 'stopped') return false;
      if (outcome === 'timeout') {
        await this.down();
        throw new StartupError(`${spec.name} was not healthy within ${options.startupTimeoutMs / 1000} s; see ${log}`);
      }
    }
    return !this.stopping;
  }

  status(): ReturnType<Supervisor['status']> {
    return this.supervisor.status();
  }

  /** Stops every component, last started first. */
  async down(): Promise<void> {
    this.stopping = true;
    this.stopped();
    await this.supervisor.stopAll();
  }
}

export class StartupError extends Error {}

