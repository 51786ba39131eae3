// metrics.k8s.io served from the kubelets' stats (kubectl top), and how the apiserver reaches a node's kubelet.
export { METRICS_GROUP, METRICS_VERSION, metricsGroup, metricsGroupEntry, metricsResourceList, serveMetrics, serveMetricsGroup, withMetricsGroup } from './metrics-api.ts';
export { kubeletEndpoint, kubeletGet, type KubeletEndpoint } from './kubelet-endpoint.ts';
