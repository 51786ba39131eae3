// `barque agent` as one object: the ApiClients (one per node identity, node-clients.ts), the node networking
// (kube-proxy role, cluster DNS, ingress) fed by NetworkFeeds, and one Kubelet per node — one node normally, K with
// the hollow runtime (--hollow-nodes). Stopping it stops watching and then stops every container it started: the
// process runtime cannot adopt containers after a restart (their process groups are reaped at start instead), so
// leaving them running would only orphan them.
import { join } from 'node:path';
import { realClock, type Clock } from '../client/index.ts';
import type { ClientCredentials } from '../client/kubeconfig-credentials.ts';
import type { Logger } from '../../common/logger.ts';
import { ClusterDns } from '../dns/index.ts';
import { IngressProxy } from '../ingress/index.ts';
import { ServiceProxy, type ServiceConsumer } from '../proxy/index.ts';
import { Kubelet } from './kubelet.ts';
import { NetworkFeeds } from './network-feeds.ts';
import { agentNodeNames, NodeClients } from './node-clients.ts';
import { machineResources, type NodeResources } from './node-object.ts';
import { nodeAddressRange, PodAddressAllocator } from './pod-network/index.ts';
import { createHollowRuntime, createProcessRuntime, type EnvVar, type Runtime } from './runtime/index.ts';
import { reapLeftovers } from './runtime/process/index.ts';

export interface AgentOptions {
  apiservers: string[];
  nodeName: string;
  /** Which /24 of 127.64.0.0/10 the node owns (pod-network); hollow node i gets nodeIndex + i. */
  nodeIndex: number;
  runtime: 'process' | 'hollow';
  rootDir: string;
  /** 0: one node named nodeName; K: K hollow nodes named nodeName-0 … nodeName-(K-1). */
  hollowNodes: number;
  resources: Partial<NodeResources>;
  kubeletPort: number;
  leaseRenewMs: number;
  statusUpdateMs: number;
  podResyncMs: number;
  /** Run the kube-proxy role, the cluster DNS and the ingress proxy on this node's address. */
  proxy: boolean;
  dnsPort: number;
  ingressPort: number;
  clusterDomain: string;
  upstreamDns?: { host: string; port: number };
  /** CA and client certificate or token for a secure apiserver (from --kubeconfig), shared by every node. */
  credentials?: ClientCredentials;
  /** Per node name, its own credentials (from --kubeconfig-dir): each kubelet then speaks as its own node. */
  nodeCredentials?: ReadonlyMap<string, ClientCredentials>;
  clock?: Clock;
  logger: Logger;
}

export interface AgentEndpoints {
  nodes: { name: string; address: string; kubeletPort: number }[];
  dns?: string;
  ingress?: string;
}

export class Agent {
  private readonly names: string[];
  private readonly clients: NodeClients;
  private readonly clock: Clock;
  private readonly kubelets: Kubelet[] = [];
  private readonly runtimes: Runtime[] = [];
  private feeds: NetworkFeeds | null = null;
  private closers: (() => Promise<void>)[] = [];

  constructor(private readonly o: AgentOptions) {
    this.clock = o.clock ?? realClock;
    this.names = agentNodeNames(o.nodeName, o.hollowNodes);
    this.clients = new NodeClients({ apiservers: o.apiservers, names: this.names, logger: o.logger, credentials: o.credentials, nodeCredentials: o.nodeCredentials });
  }

  async start(): Promise<AgentEndpoints> {
    const { o } = this;
    const out: AgentEndpoints = { nodes: [] };
    const nodeAddress = nodeAddressRange(o.nodeIndex).nodeAddress;
    const consumers: ServiceConsumer[] = [];
    const extraEnv: EnvVar[] = [];
    let ingress: IngressProxy | undefined;
    if (o.proxy) {
      const proxy = new ServiceProxy({ nodeAddress, logger: o.logger });
      const dns = new ClusterDns({ host: nodeAddress, port: o.dnsPort, logger: o.logger, domain: o.clusterDomain, upstream: o.upstreamDns });
      ingress = new IngressProxy({ host: nodeAddress, port: o.ingressPort, logger: o.logger });
      const dnsPort = await dns.start();
      const ingressPort = await ingress.start();
      consumers.push(proxy, dns, ingress);
      this.closers.push(() => proxy.close(), () => dns.close(), () => ingress!.close());
      out.dns = `${nodeAddress}:${dnsPort}`;
      out.ingress = `${nodeAddress}:${ingressPort}`;
      extraEnv.push({ name: 'BARQUE_DNS_SERVER', value: out.dns }, { name: 'BARQUE_CLUSTER_DOMAIN', value: o.clusterDomain });
    }
    this.feeds = new NetworkFeeds({ api: this.clients.agent, clock: this.clock, logger: o.logger, consumers, ingress });
    await this.feeds.start();
    const feeds = this.feeds;
    const resources = { ...machineResources(), ...o.resources };
    for (const [i, name] of this.names.entries()) {
      const range = nodeAddressRange(o.nodeIndex + i);
      const runtime = this.runtimeFor(name, new PodAddressAllocator(range));
      this.runtimes.push(runtime);
      const kubelet = new Kubelet({
        api: this.clients.perNode[i],
        identity: { name, address: range.nodeAddress, kubeletPort: o.kubeletPort, podCidr: range.podCidr, resources },
        runtime,
        clock: this.clock,
        logger: o.logger.child({ node: name }),
        services: (ns) => feeds.servicesIn(ns),
        extraEnv,
        leaseRenewMs: o.leaseRenewMs,
        statusUpdateMs: o.statusUpdateMs,
        podResyncMs: o.podResyncMs,
      });
      this.kubelets.push(kubelet);
    }
    await Promise.all(this.kubelets.map((k) => k.start()));
    out.nodes = this.kubelets.map((k, i) => ({ name: k.name, address: nodeAddressRange(o.nodeIndex + i).nodeAddress, kubeletPort: k.port }));
    return out;
  }

  /** Stops the loops, then every container (see the header), then the node networking. */
  async stop(): Promise<void> {
    await Promise.all(this.kubelets.map((k) => k.stop().catch(() => {})));
    await this.feeds?.stop();
    await Promise.all(this.runtimes.map((r) => r.close().catch(() => {})));
    for (const close of this.closers) await close().catch(() => {});
    this.clients.close();
  }

  private runtimeFor(name: string, addresses: PodAddressAllocator): Runtime {
    if (this.o.runtime === 'hollow') return createHollowRuntime({ clock: this.clock, addresses, startLatencyMs: 0, usageNanoCores: 1_000_000, workingSetBytes: 4 * 1024 * 1024 });
    const root = join(this.o.rootDir, name);
    reapLeftovers(root);
    return createProcessRuntime({ root, addresses, clock: this.clock, logger: this.o.logger.child({ node: name, component: 'runtime' }) });
  }
}
