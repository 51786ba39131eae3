// The node lifecycle controller: watches each node's heartbeats (Ready condition and its Lease in kube-node-lease);
// after --node-monitor-grace-period of silence its conditions turn Unknown ("Kubelet stopped posting node status.")
// and it is tainted node.kubernetes.io/unreachable NoExecute + NoSchedule (not-ready for Ready=False; removed when
// Ready again). The NoExecute taints evict pods as the taint manager does: at once without a toleration, after
// tolerationSeconds with one. Pods bound to a node that no longer exists are deleted (the pod GC's job).
import type { KubeObject } from '../../apiserver/index.ts';
import { o, str } from '../../apiserver/resources/values.ts';
import { isNotFound, objectKey, podsByNodeName, RESOURCES, type ResourceClient, type SharedInformer, type Timer } from '../client/index.ts';
import { parseDuration } from '../controller-manager/flags.ts';
import type { ControllerContext, ControllerDescriptor } from './common/controller-context.ts';
import { QueueController, splitKey, type ReconcileResult } from './common/queue-controller.ts';
import { evictionTime } from './node-lifecycle-eviction.ts';
import { desiredTaints, observe, readyStatus, unknownStatus, type Probe } from './node-lifecycle-health.ts';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
const BY_NODE = 'byNode';
const NODE = 'node/';
const POD = 'pod/';

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export class NodeLifecycleController extends QueueController {
  private readonly nodes: SharedInformer;
  private readonly pods: SharedInformer;
  private readonly leases: SharedInformer;
  private readonly nodeClient: ResourceClient<KubeObject>;
  private readonly podClient: ResourceClient<KubeObject>;
  private readonly probes = new Map<string, Probe>();
  private readonly taintSeen = new Map<string, number>();
  private readonly graceMs: number;
  private readonly periodMs: number;
  private timer: Timer | null = null;

  constructor(ctx: ControllerContext) {
    super('nodelifecycle', ctx);
    this.graceMs = parseDuration(ctx.options.extra['node-monitor-grace-period'] ?? '40s');
    this.periodMs = parseDuration(ctx.options.extra['node-monitor-period'] ?? '5s');
    this.nodes = ctx.informers.informer(RESOURCES.nodes);
    this.pods = ctx.informers.informer(RESOURCES.pods);
    this.leases = ctx.informers.informer(RESOURCES.leases);
    this.addPodIndex();
    this.nodeClient = ctx.api.resource<KubeObject>(RESOURCES.nodes);
    this.podClient = ctx.api.resource<KubeObject>(RESOURCES.pods);
    const node = (n: KubeObject): void => {
      this.enqueue(NODE + objectKey(n));
      for (const p of this.podsOn(objectKey(n))) this.enqueue(POD + objectKey(p));
    };
    this.nodes.addEventHandler({ onAdd: node, onUpdate: (_, n) => node(n), onDelete: node });
    const pod = (p: KubeObject): void => {
      if (str(o(p.spec).nodeName) !== '') this.enqueue(POD + objectKey(p));
    };
    this.pods.addEventHandler({ onAdd: pod, onUpdate: (_, p) => pod(p) });
    const lease = (l: KubeObject): void => {
      if (l.metadata?.namespace === NODE_LEASE_NAMESPACE) this.enqueue(NODE + (l.metadata?.name ?? ''));
    };
    this.leases.addEventHandler({ onAdd: lease, onUpdate: (_, l) => lease(l) });
  }

  override run(): void {
    super.run();
    const tick = (): void => {
      for (const n of this.nodes.indexer.listKeys()) this.enqueue(NODE + n);
      this.timer = this.ctx.clock.setTimer(this.periodMs, tick);
    };
    tick();
  }

  override async stop(): Promise<void> {
    this.timer?.cancel();
    await super.stop();
  }

  protected async reconcile(key: string): Promise<ReconcileResult | void> {
    if (key.startsWith(NODE)) return this.monitorNode(key.slice(NODE.length));
    if (key.startsWith(POD)) return this.checkPod(key.slice(POD.length));
  }

  private addPodIndex(): void {
    try {
      this.pods.indexer.addIndexers({ [BY_NODE]: podsByNodeName });
    } catch {
      // Another controller in this process added it first.
    }
  }

  private podsOn(nodeName: string): KubeObject[] {
    return this.pods.indexer.byIndex(BY_NODE, nodeName);
  }

  private async monitorNode(name: string): Promise<ReconcileResult | void> {
    const node = this.nodes.indexer.get(name);
    if (node === undefined) {
      this.probes.delete(name);
      return;
    }
    const now = this.ctx.clock.now();
    const probe = observe(this.probes.get(name), node, this.leases.indexer.get(`${NODE_LEASE_NAMESPACE}/${name}`), now);
    this.probes.set(name, probe);
    const silentMs = now - probe.observedMs;
    if (silentMs > this.graceMs && readyStatus(node) !== 'Unknown') {
      const status = unknownStatus(node, iso(now));
      if (status !== null) {
        await this.nodeClient.updateStatus('', name, { ...node, status });
        this.log.info({ node: name, silentMs }, 'node stopped posting status; marked Unknown');
        this.ctx.events.event(node, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
        return;
      }
    }
    const taints = desiredTaints(node, iso(now));
    if (JSON.stringify(taints) !== JSON.stringify(o(node.spec).taints ?? [])) {
      await this.nodeClient.update('', name, { ...node, spec: { ...o(node.spec), taints } });
      this.log.info({ node: name, ready: readyStatus(node), taints: taints.map((t) => `${str(t.key)}:${str(t.effect)}`) }, 'node taints updated');
    }
    if (readyStatus(node) !== 'Unknown') return { requeueAfterMs: Math.max(0, probe.observedMs + this.graceMs - now) + 100 };
  }

  private async checkPod(key: string): Promise<ReconcileResult | void> {
    const pod = this.pods.indexer.get(key);
    if (pod === undefined) return;
    const nodeName = str(o(pod.spec).nodeName);
    if (nodeName === '') return;
    const { namespace, name } = splitKey(key);
    const node = this.nodes.indexer.get(nodeName);
    // Terminating pods too: nothing is left on a deleted node to finish their deletion.
    if (node === undefined) return this.collectOrphan(pod, nodeName);
    if (pod.metadata?.deletionTimestamp !== undefined) return;
    const now = this.ctx.clock.now();
    const at = evictionTime(pod, node, now, (taintKey) => {
      const seenKey = `${nodeName}\n${taintKey}`;
      if (!this.taintSeen.has(seenKey)) this.taintSeen.set(seenKey, now);
      return this.taintSeen.get(seenKey) as number;
    });
    if (at === null) return;
    if (at > now) return { requeueAfterMs: at - now };
    this.ctx.events.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${namespace}/${name}`);
    try {
      await this.podClient.delete(namespace, name, { preconditions: { uid: pod.metadata?.uid } });
      this.log.info({ pod: key, node: nodeName }, 'evicted pod from a NoExecute-tainted node');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** A pod bound to a node the cache does not know: confirmed gone by a read, it is deleted at once. */
  private async collectOrphan(pod: KubeObject, nodeName: string): Promise<void> {
    try {
      await this.nodeClient.get('', nodeName);
      return;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const ns = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    try {
      await this.podClient.delete(ns, name, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata?.uid } });
      this.log.info({ pod: `${ns}/${name}`, node: nodeName }, 'deleted a pod whose node is gone');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

export const nodeLifecycleController: ControllerDescriptor = {
  name: 'nodelifecycle',
  flags: { 'node-monitor-grace-period': '40s', 'node-monitor-period': '5s' },
  create: (ctx) => new NodeLifecycleController(ctx),
};
