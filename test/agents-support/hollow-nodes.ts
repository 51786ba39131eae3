// Hollow nodes for controller tests: Node objects that stay Ready (their Leases in kube-node-lease renewed), and a
// pretend kubelet for the pods bound to them. A pod on a hollow node becomes Running and Ready with a 127.x podIP, or
// — when its template says so with annotations — finishes (job pods), or stays unready. Pods being deleted are
// removed at once (grace 0), as a kubelet does once the containers are gone.
//
// Until a scheduler runs in these tests, `bind: true` makes the group bind unscheduled pods itself through
// pods/binding: to the node a required nodeAffinity `metadata.name` matchField names (DaemonSet pods), else round
// robin over the Ready, schedulable nodes whose labels satisfy the pod's nodeSelector.
//
// Annotations a pod template can carry:
//   hollow.barque.dev/exit-code: "0" | "N"   the pod finishes: Succeeded (0) or Failed (N)
//   hollow.barque.dev/run-ms: "N"            … after N ms of Running (default 0)
//   hollow.barque.dev/ready: "false"         Running but never Ready
import type { KubeObject } from '../../src/apiserver/index.ts';
import { ApiClient, isAlreadyExists, isConflict, isNotFound, listerWatcher, objectKey, RESOURCES, SharedInformer, type ResourceClient } from '../../src/agents/client/index.ts';

export const EXIT_CODE_ANNOTATION = 'hollow.barque.dev/exit-code';
export const RUN_MS_ANNOTATION = 'hollow.barque.dev/run-ms';
export const READY_ANNOTATION = 'hollow.barque.dev/ready';

export interface HollowNodeSpec {
  name: string;
  labels?: Record<string, string>;
  taints?: { key: string; value?: string; effect: string }[];
  unschedulable?: boolean;
}

export interface HollowNodesOptions {
  /** gRPC address(es) of the apiserver. */
  endpoints: readonly string[];
  nodes: readonly HollowNodeSpec[];
  /** Bind unscheduled pods (no scheduler running). */
  bind?: boolean;
  leaseRenewMs?: number;
}

type Pod = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

const micro = (ms: number): string => new Date(ms).toISOString().replace('Z', '000Z');
const seconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

export class HollowNodes {
  readonly api: ApiClient;
  private readonly pods: ResourceClient<Pod>;
  private readonly informer: SharedInformer<Pod>;
  private readonly nodeNames: Set<string>;
  private readonly busy = new Set<string>();
  private readonly finishTimers = new Map<string, NodeJS.Timeout>();
  private leaseTimer: NodeJS.Timeout | null = null;
  private nextIp = 1;
  private readonly ips = new Map<string, string>();
  private rr = 0;
  private stopped = false;

  constructor(private readonly options: HollowNodesOptions) {
    this.api = new ApiClient({ endpoints: options.endpoints, userAgent: 'hollow-kubelet/v0' });
    this.pods = this.api.resource<Pod>(RESOURCES.pods);
    this.nodeNames = new Set(options.nodes.map((n) => n.name));
    this.informer = new SharedInformer<Pod>(listerWatcher(this.pods), { name: 'hollow-pods' });
    const kick = (p: Pod): void => void this.handle(objectKey(p));
    this.informer.addEventHandler({ onAdd: kick, onUpdate: (_, p) => kick(p) });
  }

  static async start(options: HollowNodesOptions): Promise<HollowNodes> {
    const h = new HollowNodes(options);
    for (const n of options.nodes) await h.addNode(n);
    h.leaseTimer = setInterval(() => void h.renewLeases(), options.leaseRenewMs ?? 1_000);
    h.informer.run();
    await h.informer.waitForSync();
    for (const p of h.informer.indexer.list()) void h.handle(objectKey(p));
    return h;
  }

  async addNode(n: HollowNodeSpec): Promise<void> {
    this.nodeNames.add(n.name);
    const nodes = this.api.resource<KubeObject>(RESOURCES.nodes);
    const now = Date.now();
    const node: KubeObject = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: n.name, labels: { 'kubernetes.io/hostname': n.name, 'kubernetes.io/os': 'linux', ...n.labels } },
      spec: { ...(n.taints !== undefined ? { taints: n.taints } : {}), ...(n.unschedulable === true ? { unschedulable: true } : {}) },
    };
    let created: KubeObject;
    try {
      created = await nodes.create('', node);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      created = await nodes.get('', n.name);
    }
    const status = {
      capacity: { cpu: '4', memory: '8Gi', pods: '110' },
      allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'hollow kubelet is posting ready status', lastHeartbeatTime: seconds(now), lastTransitionTime: seconds(now) }],
      addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: n.name }],
      nodeInfo: { kubeletVersion: 'v1.20.0-hollow', operatingSystem: 'linux', architecture: 'amd64' },
    };
    await nodes.updateStatus('', n.name, { ...created, status });
    await this.renewLease(n.name);
  }

  private async renewLeases(): Promise<void> {
    for (const name of this.nodeNames) await this.renewLease(name).catch(() => {});
  }

  private async renewLease(name: string): Promise<void> {
    const leases = this.api.resource<KubeObject>(RESOURCES.leases);
    const spec = { holderIdentity: name, leaseDurationSeconds: 40, renewTime: micro(Date.now()) };
    try {
      const lease = await leases.get('kube-node-lease', name);
      await leases.update('kube-node-lease', name, { ...lease, spec: { ...(lease.spec as object), ...spec } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await leases.create('kube-node-lease', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'kube-node-lease' }, spec });
    }
  }

  /** One pod at a time per key; the pod is re-read from the cache when its turn comes. */
  private async handle(key: string): Promise<void> {
    if (this.stopped || this.busy.has(key)) return;
    this.busy.add(key);
    try {
      const pod = this.informer.indexer.get(key);
      if (pod !== undefined) await this.step(pod);
    } catch (err) {
      if (!isConflict(err) && !isNotFound(err) && !this.stopped) process.stderr.write(`hollow kubelet: ${key}: ${String(err)}\n`);
    } finally {
      this.busy.delete(key);
    }
    // A change that arrived meanwhile was skipped; look again if the cache moved on.
    const now = this.informer.indexer.get(key);
    if (now !== undefined && !this.stopped && this.needsWork(now)) setTimeout(() => void this.handle(key), String(now.spec?.nodeName ?? '') === '' ? 500 : 20);
  }

  private needsWork(pod: Pod): boolean {
    const node = String(pod.spec?.nodeName ?? '');
    if (node === '') return this.options.bind === true;
    if (!this.nodeNames.has(node)) return false;
    if (pod.metadata?.deletionTimestamp !== undefined) return true;
    return (pod.status?.phase ?? 'Pending') === 'Pending';
  }

  private async step(pod: Pod): Promise<void> {
    const meta = pod.metadata ?? {};
    const ns = meta.namespace ?? '';
    const node = String(pod.spec?.nodeName ?? '');
    if (node === '') {
      if (this.options.bind !== true || meta.deletionTimestamp !== undefined) return;
      const target = await this.chooseNode(pod);
      if (target === undefined) return;
      await this.pods.createSubresource(ns, meta.name ?? '', 'binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: meta.name, namespace: ns }, target: { apiVersion: 'v1', kind: 'Node', name: target } });
      return;
    }
    if (!this.nodeNames.has(node)) return;
    if (meta.deletionTimestamp !== undefined) {
      clearTimeout(this.finishTimers.get(objectKey(pod)));
      await this.pods.delete(ns, meta.name ?? '', { gracePeriodSeconds: 0, preconditions: { uid: meta.uid } });
      return;
    }
    if ((pod.status?.phase ?? 'Pending') !== 'Pending') return;
    await this.pods.updateStatus(ns, meta.name ?? '', { ...pod, status: this.runningStatus(pod) });
    const exitCode = meta.annotations?.[EXIT_CODE_ANNOTATION];
    if (exitCode !== undefined) {
      const runMs = Number(meta.annotations?.[RUN_MS_ANNOTATION] ?? '0');
      this.finishTimers.set(objectKey(pod), setTimeout(() => void this.finish(objectKey(pod), Number(exitCode)), runMs));
    }
  }

  private ipOf(pod: Pod): string {
    const uid = pod.metadata?.uid ?? '';
    let ip = this.ips.get(uid);
    if (ip === undefined) {
      const n = this.nextIp++;
      ip = `127.244.${Math.floor(n / 250) % 250}.${(n % 250) + 1}`;
      this.ips.set(uid, ip);
    }
    return ip;
  }

  private runningStatus(pod: Pod): Record<string, unknown> {
    const now = seconds(Date.now());
    const ready = pod.metadata?.annotations?.[READY_ANNOTATION] !== 'false' ? 'True' : 'False';
    const containers = (pod.spec?.containers ?? []) as { name: string; image?: string }[];
    return {
      phase: 'Running',
      hostIP: '127.0.0.1',
      podIP: this.ipOf(pod),
      podIPs: [{ ip: this.ipOf(pod) }],
      startTime: now,
      conditions: [
        { type: 'Initialized', status: 'True', lastTransitionTime: now },
        { type: 'Ready', status: ready, lastTransitionTime: now },
        { type: 'ContainersReady', status: ready, lastTransitionTime: now },
        { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
      ],
      containerStatuses: containers.map((c) => ({ name: c.name, image: c.image ?? '', imageID: '', ready: ready === 'True', restartCount: 0, started: true, state: { running: { startedAt: now } } })),
    };
  }

  private async finish(key: string, exitCode: number): Promise<void> {
    this.finishTimers.delete(key);
    for (let attempt = 0; attempt < 20 && !this.stopped; attempt++) {
      const pod = this.informer.indexer.get(key);
      if (pod === undefined || pod.metadata?.deletionTimestamp !== undefined) return;
      const now = seconds(Date.now());
      const containers = (pod.spec?.containers ?? []) as { name: string; image?: string }[];
      const status = {
        ...pod.status,
        phase: exitCode === 0 ? 'Succeeded' : 'Failed',
        conditions: ((pod.status?.conditions ?? []) as { type: string }[]).map((c) => (c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status: 'False', reason: 'PodCompleted', lastTransitionTime: now } : c)),
        containerStatuses: containers.map((c) => ({ name: c.name, image: c.image ?? '', imageID: '', ready: false, restartCount: 0, started: false, state: { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', finishedAt: now } } })),
      };
      try {
        await this.pods.updateStatus(pod.metadata?.namespace ?? '', pod.metadata?.name ?? '', { ...pod, status });
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  private async chooseNode(pod: Pod): Promise<string | undefined> {
    const pinned = requiredNodeName(pod);
    if (pinned !== undefined) return this.nodeNames.has(pinned) ? pinned : undefined;
    const nodes = (await this.api.resource<KubeObject>(RESOURCES.nodes).list('')).items.filter((n) => this.nodeNames.has(n.metadata?.name ?? ''));
    const selector = (pod.spec?.nodeSelector ?? {}) as Record<string, string>;
    const fits = nodes.filter((n) => {
      const spec = (n.spec ?? {}) as { unschedulable?: boolean; taints?: { effect: string }[] };
      if (spec.unschedulable === true) return false;
      if ((spec.taints ?? []).some((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute')) return false;
      return Object.entries(selector).every(([k, v]) => n.metadata?.labels?.[k] === v);
    });
    if (fits.length === 0) return undefined;
    return fits[this.rr++ % fits.length].metadata?.name;
  }

  /** Marks a pod's containers as exited now (for tests that end a long-running pod). */
  async finishPod(namespace: string, name: string, exitCode: number): Promise<void> {
    await this.finish(`${namespace}/${name}`, exitCode);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.leaseTimer !== null) clearInterval(this.leaseTimer);
    for (const t of this.finishTimers.values()) clearTimeout(t);
    await this.informer.stop();
    this.api.close();
  }
}

/** The node a DaemonSet-style pod is pinned to: required nodeAffinity matchFields metadata.name In [name]. */
export function requiredNodeName(pod: Pod): string | undefined {
  const affinity = pod.spec?.affinity as { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: { matchFields?: { key: string; operator: string; values?: string[] }[] }[] } } } | undefined;
  for (const term of affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const f of term.matchFields ?? []) if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
  }
  return undefined;
}
