// What each process of `barque cluster` runs: per master a store member, an apiserver, a controller-manager and a
// scheduler; then the node agents. Every client gets every master's address and fails over itself.
import { join } from 'node:path';
import { referenceBinary } from '../store/testing/reference-binaries.ts';
import type { ClusterCredentials } from './cluster-pki.ts';
import { HOST, masterPorts, nodePorts, type ClusterConfig, type ClusterLayout } from './cluster-layout.ts';
import type { ComponentSpec } from './supervisor.ts';
import { apiserverStoreTlsArgs, memberTlsArgs, type StoreTls } from './store-tls.ts';
import { memberNodeFlags } from '../store/member/node-flags.ts';
import { agentNodeNames } from '../agents/kubelet/index.ts';
import { endpointsFrom } from '../agents/client/endpoint-order.ts';
import { BARQUE_BIN } from '../common/repo-root.ts';
import { localStorageArgs } from './up.ts';

/** Shorter than the 15 s default so a killed leader is replaced within the 15 s. */
const LEADER_ELECTION = ['--leader-elect-lease-duration', '8s', '--leader-elect-renew-deadline', '6s', '--leader-elect-retry-period', '1s'];

export const memberName = (i: number): string => `m${i}`;
export const storeClientUrl = (config: ClusterConfig, i: number): string => `https://${HOST}:${masterPorts(config, i).storeClient}`;
const storePeerUrl = (config: ClusterConfig, i: number): string => `https://${HOST}:${masterPorts(config, i).storePeer}`;
export const grpcAddress = (config: ClusterConfig, i: number): string => `${HOST}:${masterPorts(config, i).grpc}`;
const apiserverGrpcAddresses = (config: ClusterConfig): string[] => range(config.masters).map((m) => grpcAddress(config, m));
export const apiserverUrl = (config: ClusterConfig, i: number): string => `https://${HOST}:${masterPorts(config, i).apiserver}`;
export const schedulerIdentity = (i: number): string => `${memberName(i)}-scheduler`;

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/**
 * Store member i's argv, etcd's flags (the same for `barque etcd` and etcd 3.4.23): TLS on client and peer links,
 * both requiring certificates from the cluster CA.
 */
export function storeMemberArgs(config: ClusterConfig, layout: ClusterLayout, i: number, tls: StoreTls): string[] {
  const initialCluster = range(config.masters).map((m) => `${memberName(m)}=${storePeerUrl(config, m)}`).join(',');
  return [
    '--name', memberName(i),
    '--data-dir', join(layout.masterDir(i), 'store'),
    '--listen-client-urls', storeClientUrl(config, i),
    '--advertise-client-urls', storeClientUrl(config, i),
    '--listen-peer-urls', storePeerUrl(config, i),
    '--initial-advertise-peer-urls', storePeerUrl(config, i),
    '--initial-cluster', initialCluster,
    '--initial-cluster-state', 'new',
    '--initial-cluster-token', 'barque-cluster',
    ...memberTlsArgs(tls, memberName(i)),
  ];
}

function barque(name: string, args: string[], ready: ComponentSpec['ready']): ComponentSpec {
  return { name, command: process.execPath, args: [...(name === 'etcd' ? memberNodeFlags() : []), BARQUE_BIN, name, ...args], ready };
}

/** Master i's components, in start order. */
export function masterComponents(config: ClusterConfig, layout: ClusterLayout, creds: ClusterCredentials, i: number): ComponentSpec[] {
  const ports = masterPorts(config, i);
  // Its own apiserver first: a master's controllers and scheduler talk to the apiserver beside them, so the leaders'
  // load does not all land on master 0's apiserver.
  const grpcs = endpointsFrom(apiserverGrpcAddresses(config), i).join(',');
  const store: ComponentSpec = config.store === 'etcd'
    ? { name: 'etcd', command: referenceBinary('etcd'), args: storeMemberArgs(config, layout, i, creds.store), ready: { port: ports.storeClient } }
    : barque('etcd', storeMemberArgs(config, layout, i, creds.store), { port: ports.storeClient });
  // Its own member first: the apiserver fails over through the list in order.
  const etcdServers = [i, ...range(config.masters).filter((m) => m !== i)].map((m) => storeClientUrl(config, m)).join(',');
  const serving = creds.serving[i];
  const tokens = creds.hollow === null ? [] : ['--token-auth-file', creds.hollow.tokenFile];
  return [
    store,
    barque('apiserver', ['--etcd-servers', etcdServers, ...apiserverStoreTlsArgs(creds.store), '--tls-cert-file', serving.certFile, '--tls-private-key-file', serving.keyFile, '--client-ca-file', creds.caFile, ...tokens, '--secure-port', String(ports.apiserver), '--grpc-port', String(ports.grpc)], { line: /^apiserver listening on / }),
    // Every master's controller-manager provisions into the same directory: whichever leads, volumes stay put.
    barque('controller-manager', ['--apiserver', grpcs, '--kubeconfig', creds.controllerManager, ...LEADER_ELECTION, ...localStorageArgs(layout.dataDir)], { line: /^controller-manager .* started$/ }),
    barque('scheduler', ['--apiserver', grpcs, '--kubeconfig', creds.scheduler, '--identity', schedulerIdentity(i), ...LEADER_ELECTION], { line: /^scheduler (leading|running|.* waiting)/ }),
  ];
}

export const processNodeName = (j: number): string => `node-${j}`;
/** The hollow agent's --node-name: its nodes are hollow-0 … hollow-(M-1). */
export const HOLLOW_NODE_PREFIX = 'hollow';
export const hollowNodeNames = (config: ClusterConfig): string[] => (config.hollowNodes > 0 ? agentNodeNames(HOLLOW_NODE_PREFIX, config.hollowNodes) : []);

/** The node agents: `nodes` process-runtime agents, then one agent with every hollow node, each its own identity. */
export function nodeComponents(config: ClusterConfig, layout: ClusterLayout, creds: ClusterCredentials): { node: string; spec: ComponentSpec }[] {
  const specs = range(config.nodes).map((j) => {
    const name = processNodeName(j);
    // Node j starts at the j-th apiserver (the hollow agent spreads its nodes itself).
    const ordered = endpointsFrom(apiserverGrpcAddresses(config), j).join(',');
    const p = nodePorts(config, j);
    return { node: name, spec: barque('agent', ['--apiserver', ordered, '--node-name', name, '--node-index', String(j + 1), '--root-dir', join(layout.nodesDir, name, 'root'), '--kubelet-port', String(p.kubelet), '--dns-port', String(p.dns), '--ingress-port', String(p.ingress), '--kubeconfig', creds.nodes.get(name) ?? ''], { line: /^agent ready/ }) };
  });
  if (config.hollowNodes > 0 && creds.hollow !== null) {
    const spec = barque('agent', ['--apiserver', apiserverGrpcAddresses(config).join(','), '--node-name', HOLLOW_NODE_PREFIX, '--hollow-nodes', String(config.hollowNodes), '--node-index', '200', '--kubelet-port', '0', '--root-dir', join(layout.nodesDir, HOLLOW_NODE_PREFIX, 'root'), '--kubeconfig-dir', creds.hollow.kubeconfigDir], { line: /^agent ready/ });
    specs.push({ node: HOLLOW_NODE_PREFIX, spec });
  }
  return specs;
}
