// What a pod asks of a node, read from its spec as the scheduler's NodeResourcesFit and NodePorts see it:
// effective requests (the larger of the containers' sum and any init container, plus overhead) and host ports.
import { arr, o, str } from '../../apiserver/resources/values.ts';
import type { KubeObject } from '../../apiserver/index.ts';
import { parseMilli, parseQuantity } from './quantity.ts';

/** Resource name → amount; "cpu" in millicores, "memory" and everything else as plain numbers. */
export type Resources = Map<string, number>;

export interface HostPort {
  hostIP: string;
  protocol: string;
  port: number;
}

/** Scoring counts a container that requests nothing as this much, so empty pods still spread (Kubernetes' values). */
export const NON_ZERO_CPU_MILLI = 100;
export const NON_ZERO_MEMORY = 200 * 1024 * 1024;

export function amountOf(name: string, value: unknown): number {
  return name === 'cpu' ? parseMilli(value) : parseQuantity(value);
}

export function resourceList(list: unknown): Resources {
  const out: Resources = new Map();
  for (const [name, value] of Object.entries(o(list))) out.set(name, amountOf(name, value));
  return out;
}

function add(into: Resources, from: Resources): void {
  for (const [k, v] of from) into.set(k, (into.get(k) ?? 0) + v);
}

function max(into: Resources, from: Resources): void {
  for (const [k, v] of from) into.set(k, Math.max(into.get(k) ?? 0, v));
}

export function podRequests(pod: KubeObject): Resources {
  const spec = o(pod.spec);
  const total: Resources = new Map();
  for (const c of arr(spec.containers)) add(total, resourceList(o(c.resources).requests));
  for (const c of arr(spec.initContainers)) max(total, resourceList(o(c.resources).requests));
  add(total, resourceList(spec.overhead));
  return total;
}

/** CPU and memory requests with Kubernetes' non-zero defaults per container, for scoring. */
export function nonZeroRequests(pod: KubeObject): { cpu: number; memory: number } {
  let cpu = 0;
  let memory = 0;
  for (const c of arr(o(pod.spec).containers)) {
    const r = resourceList(o(c.resources).requests);
    cpu += r.get('cpu') || NON_ZERO_CPU_MILLI;
    memory += r.get('memory') || NON_ZERO_MEMORY;
  }
  return { cpu, memory };
}

export function podHostPorts(pod: KubeObject): HostPort[] {
  const out: HostPort[] = [];
  for (const c of arr(o(pod.spec).containers)) {
    for (const p of arr(c.ports)) {
      const port = typeof p.hostPort === 'number' ? p.hostPort : 0;
      if (port > 0) out.push({ hostIP: str(p.hostIP) || '0.0.0.0', protocol: str(p.protocol) || 'TCP', port });
    }
  }
  return out;
}

export function portsConflict(a: HostPort, b: HostPort): boolean {
  if (a.port !== b.port || a.protocol !== b.protocol) return false;
  return a.hostIP === b.hostIP || a.hostIP === '0.0.0.0' || b.hostIP === '0.0.0.0';
}
