// Cluster DNS: names of services and pods in the cluster domain, fed by the same service input as the proxy.
export { ClusterDns, type ClusterDnsOptions } from './cluster-dns.ts';
export { lookup, type Lookup } from './dns-records.ts';
