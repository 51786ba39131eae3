// One node as the scheduler sees it: the Node object, the pods bound (or assumed bound) to it and what they add
// up to — requests, non-zero requests for scoring, host ports in use.
import type { KubeObject } from '../../apiserver/index.ts';
import { o } from '../../apiserver/resources/values.ts';
import { nonZeroRequests, podHostPorts, podRequests, resourceList, type HostPort, type Resources } from './pod-resources.ts';

/** A node without status.allocatable.pods takes as many pods as the kubelet's default. */
const DEFAULT_MAX_PODS = 110;

export class NodeInfo {
  readonly pods = new Map<string, KubeObject>();
  readonly requested: Resources = new Map();
  nonZeroRequested = { cpu: 0, memory: 0 };
  usedPorts: HostPort[] = [];
  readonly allocatable: Resources;

  constructor(
    readonly node: KubeObject,
    pods: Iterable<[string, KubeObject]> = [],
  ) {
    this.allocatable = resourceList(o(node.status).allocatable);
    if (!this.allocatable.has('pods')) this.allocatable.set('pods', DEFAULT_MAX_PODS);
    for (const [k, p] of pods) this.pods.set(k, p);
    this.recompute();
  }

  get name(): string {
    return this.node.metadata?.name ?? '';
  }

  get labels(): Record<string, string> {
    return this.node.metadata?.labels ?? {};
  }

  /** Adds or replaces a pod (by namespace/name) and recomputes the totals. */
  setPod(key: string, pod: KubeObject): void {
    this.pods.set(key, pod);
    this.recompute();
  }

  removePod(key: string): void {
    if (this.pods.delete(key)) this.recompute();
  }

  private recompute(): void {
    this.requested.clear();
    this.nonZeroRequested = { cpu: 0, memory: 0 };
    this.usedPorts = [];
    for (const pod of this.pods.values()) {
      for (const [k, v] of podRequests(pod)) this.requested.set(k, (this.requested.get(k) ?? 0) + v);
      const nz = nonZeroRequests(pod);
      this.nonZeroRequested.cpu += nz.cpu;
      this.nonZeroRequested.memory += nz.memory;
      this.usedPorts.push(...podHostPorts(pod));
    }
    this.requested.set('pods', this.pods.size);
  }
}
