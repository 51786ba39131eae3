// The door to barque's Kubernetes API server: start one over a set of etcd endpoints, write a kubeconfig for it.
export { ApiServer, type ApiServerOptions } from './api-server.ts';
export { kubeconfigYaml, writeKubeconfig } from './kubeconfig.ts';
export type { KubeObject, ObjectMeta } from './types.ts';
