// The node's service networking: the Service/Endpoints input shape every consumer takes, the catalog that
// resolves a service port to ready backends, and the kube-proxy role.
export type * from './service-types.ts';
export { ServiceCatalog, hasClusterIP, isHeadless, type Backend } from './service-catalog.ts';
export { ServiceProxy, type ServiceProxyOptions } from './service-proxy.ts';
