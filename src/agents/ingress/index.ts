// Ingress: routing networking.k8s.io/v1 Ingress rules to Services, and the HTTP reverse proxy that serves them.
export type * from './ingress-types.ts';
export { route, type Route } from './ingress-routes.ts';
export { IngressProxy, type IngressProxyOptions } from './ingress-proxy.ts';
