// The door to barque's Kubernetes API server: start one over a set of etcd endpoints, write a kubeconfig for it.
export { ApiServer, type ApiServerOptions } from './api-server.ts';
export { kubeconfigYaml, writeKubeconfig, type KubeconfigCredentials } from './kubeconfig.ts';
export { AUTHORIZATION_MODES, parseTokenFile, MASTERS_GROUP, NODES_GROUP, NODE_USER_PREFIX, type AuthOptions, type AuthorizationMode, type TlsFiles, type UserInfo } from './auth/index.ts';
export type { KubeObject, ObjectMeta } from './types.ts';
