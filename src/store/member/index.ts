// The door of the member room: etcd-compatible flags, TLS (files or auto TLS) and cluster bootstrap (member IDs,
// cluster ID).
export { computeClusterId, computeMemberId } from './member-id.ts';
export { parseInitialCluster, checkUrl, listenHost, InitialClusterError, type ClusterInfo, type MemberInfo } from './initial-cluster.ts';
export { parseEtcdFlags, EtcdFlagError, etcdUsage, type EtcdConfig } from './etcd-flags.ts';
export { channelCredentials, checkTlsUrls, isTlsUrl, loadTls, serverCredentials, TlsConfigError, unusedTlsWarnings, type MemberTls } from './member-tls.ts';
export { listenHosts, loadSideTls, type SideTls, type TlsSide } from './auto-tls.ts';
export type { TlsFlags } from './etcd-flags.ts';
