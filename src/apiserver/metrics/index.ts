export { Counter, Histogram, MetricsRegistry } from './metrics-registry.ts';
export { RequestMetrics, requestInfo, type RequestInfo } from './request-metrics.ts';
