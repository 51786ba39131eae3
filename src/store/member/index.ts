// The door of the member room: etcd-compatible flags and cluster bootstrap (member IDs, cluster ID).
export { computeClusterId, computeMemberId } from './member-id.ts';
export { parseInitialCluster, checkUrl, InitialClusterError, type ClusterInfo, type MemberInfo } from './initial-cluster.ts';
export { parseEtcdFlags, EtcdFlagError, etcdUsage, type EtcdConfig } from './etcd-flags.ts';
export { channelCredentials, checkTlsUrls, isTlsUrl, loadTls, serverCredentials, TlsConfigError } from './member-tls.ts';
export type { TlsFlags } from './etcd-flags.ts';
