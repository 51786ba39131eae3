// Cluster IPs and node ports for services, claimed in the store around the service's own write: requested values are
// honoured if free (else 422 as kube-apiserver words it), missing ones are picked at random from the range, headless
// services (`clusterIP: None`) get none, and everything a service held is released when it goes.
import { randomInt } from 'node:crypto';
import type { KubeObject } from '../types.ts';
import { usesClusterIP, usesNodePorts } from '../resources/index.ts';
import type { RegistryHooks, Undo } from '../rest/registry-hooks.ts';
import { internalError, invalid, type StatusCause } from '../rest/status.ts';
import { KeyedAllocator, type AllocationStore } from './keyed-allocator.ts';
import { parseCidr, parsePortRange } from './ranges.ts';

export const DEFAULT_SERVICE_CLUSTER_IP_RANGE = '127.10.0.0/16';
export const DEFAULT_SERVICE_NODE_PORT_RANGE = '30000-32767';
export const SERVICE_IPS_PREFIX = '/registry/ranges/serviceips/';
export const NODE_PORTS_PREFIX = '/registry/ranges/servicenodeports/';

export interface ServiceAllocationOptions {
  clusterIpRange?: string;
  nodePortRange?: string;
  randomInt?: (n: number) => number;
}

type Obj = Record<string, unknown>;
const specOf = (svc: KubeObject): Obj => (typeof svc.spec === 'object' && svc.spec !== null ? (svc.spec as Obj) : {});
const portsOf = (svc: KubeObject): Obj[] => (Array.isArray(specOf(svc).ports) ? (specOf(svc).ports as Obj[]) : []);
const typeOf = (svc: KubeObject): string => String(specOf(svc).type ?? 'ClusterIP');
const clusterIpOf = (svc: KubeObject): string => (typeof specOf(svc).clusterIP === 'string' ? (specOf(svc).clusterIP as string) : '');

function needsNodePorts(svc: KubeObject): boolean {
  const type = typeOf(svc);
  return usesNodePorts(type) && !(type === 'LoadBalancer' && specOf(svc).allocateLoadBalancerNodePorts === false);
}

function needsClusterIp(svc: KubeObject): boolean {
  return usesClusterIP(typeOf(svc)) && clusterIpOf(svc) !== 'None';
}

function heldNodePorts(svc: KubeObject): number[] {
  return needsNodePorts(svc) ? portsOf(svc).flatMap((p) => (typeof p.nodePort === 'number' && p.nodePort > 0 ? [p.nodePort] : [])) : [];
}

export class ServiceAllocator {
  readonly ips: KeyedAllocator;
  readonly ports: KeyedAllocator;

  constructor(store: AllocationStore, options: ServiceAllocationOptions = {}) {
    const rng = options.randomInt ?? ((n: number) => randomInt(n));
    this.ips = new KeyedAllocator(store, SERVICE_IPS_PREFIX, parseCidr(options.clusterIpRange ?? DEFAULT_SERVICE_CLUSTER_IP_RANGE), rng);
    this.ports = new KeyedAllocator(store, NODE_PORTS_PREFIX, parsePortRange(options.nodePortRange ?? DEFAULT_SERVICE_NODE_PORT_RANGE), rng);
  }

  hooks(): RegistryHooks {
    return {
      beforeCreate: (svc, dryRun) => this.claim(svc, null, dryRun),
      beforeUpdate: async (next, current, dryRun) => {
        keepAllocatedValues(next, current);
        const undo = await this.claim(next, current, dryRun);
        return { undo, commit: () => this.releaseDropped(next, current) };
      },
      afterDelete: (svc) => this.releaseAll(svc),
    };
  }

  /** Claims what `svc` needs beyond what `current` already holds; all or nothing. */
  private async claim(svc: KubeObject, current: KubeObject | null, dryRun: boolean): Promise<Undo> {
    const claimed: (() => Promise<void>)[] = [];
    const undo: Undo = async () => {
      for (const release of claimed.splice(0)) await release();
    };
    try {
      await this.claimClusterIp(svc, current, dryRun, claimed);
      await this.claimNodePorts(svc, current, dryRun, claimed);
    } catch (err) {
      await undo();
      throw err;
    }
    return undo;
  }

  private async claimClusterIp(svc: KubeObject, current: KubeObject | null, dryRun: boolean, claimed: (() => Promise<void>)[]): Promise<void> {
    const spec = specOf(svc);
    if (!usesClusterIP(typeOf(svc))) return;
    if (clusterIpOf(svc) === 'None') {
      spec.clusterIPs = ['None'];
      return;
    }
    const owner = ownerOf(svc);
    const requested = clusterIpOf(svc);
    if (current !== null && needsClusterIp(current) && clusterIpOf(current) === requested && requested !== '') return;
    if (requested === '') {
      if (dryRun) return;
      const ip = await this.ips.allocateNext(owner);
      if (ip === null) throw internalError(new Error('failed to allocate a serviceIP: range is full'));
      claimed.push(() => this.ips.release(ip));
      spec.clusterIP = ip;
      spec.clusterIPs = [ip];
      return;
    }
    const result = dryRun ? (this.ips.range.offsetOf(requested) < 0 ? 'out-of-range' : 'allocated') : await this.ips.allocate(requested, owner);
    if (result === 'allocated') {
      if (!dryRun) claimed.push(() => this.ips.release(requested));
      spec.clusterIPs = [requested];
      return;
    }
    const why =
      result === 'taken'
        ? 'provided IP is already allocated'
        : `the provided IP (${requested}) is not in the valid range. The range of valid IPs is ${this.ips.range.text}`;
    throw invalidService(svc, [{ reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `Invalid value: []string{${JSON.stringify(requested)}}: failed to allocate IP ${requested}: ${why}` }]);
  }

  private async claimNodePorts(svc: KubeObject, current: KubeObject | null, dryRun: boolean, claimed: (() => Promise<void>)[]): Promise<void> {
    if (!needsNodePorts(svc)) return;
    const held = new Set(current === null ? [] : heldNodePorts(current));
    const mine = new Set<number>();
    const causes: StatusCause[] = [];
    const owner = ownerOf(svc);
    for (const [i, p] of portsOf(svc).entries()) {
      const requested = typeof p.nodePort === 'number' && p.nodePort > 0 ? p.nodePort : 0;
      if (requested !== 0 && (held.has(requested) || mine.has(requested))) continue;
      if (requested === 0) {
        if (dryRun) continue;
        const port = await this.ports.allocateNext(owner);
        if (port === null) throw internalError(new Error('failed to allocate a nodePort: range is full'));
        claimed.push(() => this.ports.release(port));
        p.nodePort = Number(port);
        mine.add(Number(port));
        continue;
      }
      const item = String(requested);
      const result = dryRun ? (this.ports.range.offsetOf(item) < 0 ? 'out-of-range' : 'allocated') : await this.ports.allocate(item, owner);
      if (result === 'allocated') {
        if (!dryRun) claimed.push(() => this.ports.release(item));
        mine.add(requested);
        continue;
      }
      const why = result === 'taken' ? 'provided port is already allocated' : `provided port is not in the valid range. The range of valid ports is ${this.ports.range.text}`;
      causes.push({ reason: 'FieldValueInvalid', field: `spec.ports[${i}].nodePort`, message: `Invalid value: ${requested}: ${why}` });
    }
    if (causes.length > 0) throw invalidService(svc, causes);
  }

  private async releaseDropped(next: KubeObject, current: KubeObject): Promise<void> {
    const ip = clusterIpOf(current);
    if (needsClusterIp(current) && !(needsClusterIp(next) && clusterIpOf(next) === ip)) await this.ips.release(ip);
    const kept = new Set(heldNodePorts(next));
    for (const port of heldNodePorts(current)) if (!kept.has(port)) await this.ports.release(String(port));
  }

  private async releaseAll(svc: KubeObject): Promise<void> {
    if (needsClusterIp(svc) && clusterIpOf(svc) !== '') await this.ips.release(clusterIpOf(svc));
    for (const port of heldNodePorts(svc)) await this.ports.release(String(port));
  }
}

/** An update that leaves clusterIP or a nodePort out keeps the allocated one, as kube-apiserver patches them back. */
function keepAllocatedValues(next: KubeObject, current: KubeObject): void {
  const spec = specOf(next);
  if (needsClusterIp(current) && usesClusterIP(typeOf(next)) && clusterIpOf(next) === '') {
    spec.clusterIP = clusterIpOf(current);
    spec.clusterIPs = [clusterIpOf(current)];
  }
  if (!needsNodePorts(next) || !needsNodePorts(current)) return;
  const old = portsOf(current);
  for (const p of portsOf(next)) {
    if (typeof p.nodePort === 'number' && p.nodePort > 0) continue;
    const match = old.find((q) => q.port === p.port && (q.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
    if (typeof match?.nodePort === 'number') p.nodePort = match.nodePort;
  }
}

function ownerOf(svc: KubeObject): string {
  return JSON.stringify({ namespace: svc.metadata?.namespace ?? '', name: svc.metadata?.name ?? '' });
}

function invalidService(svc: KubeObject, causes: StatusCause[]) {
  return invalid('Service', '', svc.metadata?.name ?? '', causes);
}
