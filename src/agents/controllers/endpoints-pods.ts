// What the Endpoints and EndpointSlice controllers share: which services select a pod, whether a pod belongs in a
// service's endpoints (it has an IP, is not finished; terminating pods only where the caller wants them), its
// readiness, and its ports for a service — a named targetPort resolved against the pod's container ports, so pods
// of one service may listen on different numbers.
import type { KubeObject } from '../../apiserver/index.ts';
import { selectorMatches } from '../../apiserver/resources/index.ts';
import { arr, o, str } from '../../apiserver/resources/values.ts';
import { NAMESPACE_INDEX, objectKey, type SharedInformer } from '../client/index.ts';

export interface EndpointPort {
  name?: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

/** A plain-map selector; services without one have manually managed endpoints. */
export function serviceSelector(svc: KubeObject): Record<string, string> | null {
  const selector = o(o(svc.spec).selector) as Record<string, string>;
  return Object.keys(selector).length === 0 ? null : selector;
}

export function selectsPod(svc: KubeObject, pod: KubeObject): boolean {
  const selector = serviceSelector(svc);
  return selector !== null && svc.metadata?.namespace === pod.metadata?.namespace && selectorMatches({ matchLabels: selector }, pod.metadata?.labels);
}

/** Keys of the services in the pod's namespace selecting it. */
export function servicesForPod(services: SharedInformer, pod: KubeObject): string[] {
  return services.indexer.byIndex(NAMESPACE_INDEX, pod.metadata?.namespace ?? '').filter((s) => selectsPod(s, pod)).map(objectKey);
}

export function podIP(pod: KubeObject): string {
  return str(o(pod.status).podIP);
}

export function isPodReady(pod: KubeObject): boolean {
  return arr(o(pod.status).conditions).some((c) => c.type === 'Ready' && c.status === 'True');
}

export function isTerminating(pod: KubeObject): boolean {
  return pod.metadata?.deletionTimestamp !== undefined;
}

/** Has an address and has not finished; terminating pods count only when asked. */
export function belongsInEndpoints(pod: KubeObject, includeTerminating: boolean): boolean {
  const phase = str(o(pod.status).phase);
  if (podIP(pod) === '' || phase === 'Succeeded' || phase === 'Failed') return false;
  return includeTerminating || !isTerminating(pod);
}

/** The container port a service port's targetPort names, or its number (default: the service port). */
function targetPortOf(pod: KubeObject, svcPort: Record<string, unknown>): number | null {
  const target = svcPort.targetPort;
  if (typeof target === 'number') return target;
  if (typeof target === 'string' && target !== '') {
    if (/^\d+$/.test(target)) return Number(target);
    const protocol = str(svcPort.protocol) || 'TCP';
    for (const c of arr(o(pod.spec).containers)) {
      for (const p of arr(c.ports)) if (str(p.name) === target && (str(p.protocol) || 'TCP') === protocol && typeof p.containerPort === 'number') return p.containerPort;
    }
    return null;
  }
  return typeof svcPort.port === 'number' ? svcPort.port : null;
}

/** The pod's endpoint ports for the service, in service port order; a port whose name the pod lacks is left out. */
export function endpointPorts(svc: KubeObject, pod: KubeObject): EndpointPort[] {
  const out: EndpointPort[] = [];
  for (const sp of arr(o(svc.spec).ports)) {
    const port = targetPortOf(pod, sp);
    if (port === null) continue;
    const ep: EndpointPort = { port, protocol: str(sp.protocol) || 'TCP' };
    if (str(sp.name) !== '') ep.name = str(sp.name);
    if (str(sp.appProtocol) !== '') ep.appProtocol = str(sp.appProtocol);
    out.push(ep);
  }
  return out;
}

export function targetRef(pod: KubeObject): Record<string, string> {
  return { kind: 'Pod', namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' };
}

/** Order-insensitive JSON, for comparing what is stored with what is wanted. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
