// The scheduler: informers on pods and nodes feed the scheduling queue and the cache; one loop pops a pod, runs the
// framework over a snapshot of the nodes, assumes the pod onto the chosen node and binds it through pods/binding
// without waiting (the next pod is scheduled meanwhile). A pod nothing fits gets PodScheduled=False
// (Unschedulable, with the FitError message) and a FailedScheduling event, and waits in the unschedulable queue for
// a node to be added or changed or a pod to go away.
import type { KubeObject } from '../../apiserver/index.ts';
import { o, str } from '../../apiserver/resources/values.ts';
import { isConflict, isNotFound, listerWatcher, objectKey, RESOURCES, SharedInformer, type ApiClient, type Clock, type ResourceClient } from '../client/index.ts';
import type { Logger } from '../../common/logger.ts';
import { silentLogger } from '../../common/logger.ts';
import { EventRecorder } from '../record/index.ts';
import { fitErrorMessage } from './failure-message.ts';
import type { WeightedPlugin } from './framework.ts';
import { defaultPlugins } from './plugins/index.ts';
import { schedulePod } from './schedule-pod.ts';
import { SchedulerCache } from './scheduler-cache.ts';
import { SchedulingQueue, type QueuedPod, type SchedulingQueueOptions } from './scheduling-queue.ts';

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

export interface SchedulerOptions {
  api: ApiClient;
  clock: Clock;
  /** Ties between equally good nodes are broken with it. */
  rng: () => number;
  logger?: Logger;
  schedulerName?: string;
  queue?: SchedulingQueueOptions;
  plugins?: WeightedPlugin[];
}

const assignedNode = (pod: KubeObject): string => str(o(pod.spec).nodeName);
const isTerminal = (pod: KubeObject): boolean => ['Succeeded', 'Failed'].includes(str(o(pod.status).phase));

const hasRequiredPodAffinity = (pod: KubeObject): boolean => Array.isArray(o(o(o(pod.spec).affinity).podAffinity).requiredDuringSchedulingIgnoredDuringExecution);

/** The node fields a parked pod's fit can depend on; heartbeats alone do not wake the queue. */
const schedulingRelevant = (node: KubeObject): string => JSON.stringify([node.spec, node.metadata?.labels, o(node.status).allocatable]);

export class Scheduler {
  readonly queue: SchedulingQueue;
  readonly cache = new SchedulerCache();
  private readonly pods: SharedInformer;
  private readonly nodes: SharedInformer;
  private readonly podClient: ResourceClient<KubeObject>;
  private readonly recorder: EventRecorder;
  private readonly logger: Logger;
  private readonly plugins: WeightedPlugin[];
  private readonly schedulerName: string;
  private readonly inflight = new Set<Promise<void>>();
  private loop: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly options: SchedulerOptions) {
    this.logger = options.logger ?? silentLogger();
    this.schedulerName = options.schedulerName ?? DEFAULT_SCHEDULER_NAME;
    this.plugins = options.plugins ?? defaultPlugins();
    this.queue = new SchedulingQueue(options.clock, options.queue);
    this.podClient = options.api.resource<KubeObject>(RESOURCES.pods);
    this.recorder = new EventRecorder({ events: options.api.resource<KubeObject>(RESOURCES.events), component: this.schedulerName, clock: options.clock, logger: this.logger });
    this.pods = new SharedInformer(listerWatcher(this.podClient), { clock: options.clock, logger: this.logger, name: 'pods' });
    this.nodes = new SharedInformer(listerWatcher(options.api.resource<KubeObject>(RESOURCES.nodes)), { clock: options.clock, logger: this.logger, name: 'nodes' });
    this.pods.addEventHandler({ onAdd: (p) => this.podSeen(p), onUpdate: (_, p) => this.podSeen(p), onDelete: (p) => this.podGone(p) });
    this.nodes.addEventHandler({
      onAdd: (n) => {
        this.cache.setNode(n);
        this.queue.moveAllToActiveOrBackoff();
      },
      onUpdate: (old, n) => {
        this.cache.setNode(n);
        if (schedulingRelevant(old) !== schedulingRelevant(n)) this.queue.moveAllToActiveOrBackoff();
      },
      onDelete: (n) => this.cache.removeNode(n),
    });
  }

  /** Starts the informers; scheduling begins once both have synced. */
  start(): void {
    this.pods.run();
    this.nodes.run();
    this.loop = (async () => {
      await Promise.all([this.pods.waitForSync(), this.nodes.waitForSync()]);
      if (this.stopped) return;
      this.queue.start();
      this.logger.info({ nodes: this.cache.nodes.length, pending: this.queue.counts().active }, 'scheduler caches synced');
      for (;;) {
        const info = await this.queue.pop();
        if (info === null) return;
        this.scheduleOne(info);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.close();
    await this.loop;
    await Promise.all(this.inflight);
    await Promise.all([this.pods.stop(), this.nodes.stop()]);
    await this.recorder.flush();
  }

  private responsible(pod: KubeObject): boolean {
    return (str(o(pod.spec).schedulerName) || DEFAULT_SCHEDULER_NAME) === this.schedulerName;
  }

  private podSeen(pod: KubeObject): void {
    const node = assignedNode(pod);
    if (node !== '') {
      this.queue.delete(pod);
      if (isTerminal(pod)) {
        if (this.cache.hasPod(objectKey(pod))) {
          this.cache.removePod(pod);
          this.queue.moveAllToActiveOrBackoff();
        }
      } else {
        const isNew = !this.cache.hasPod(objectKey(pod)) || this.cache.isAssumed(objectKey(pod));
        this.cache.confirmPod(pod, node);
        // A newly placed pod can satisfy a parked pod's required pod affinity.
        if (isNew) this.queue.moveAllToActiveOrBackoff(hasRequiredPodAffinity);
      }
    } else if (this.responsible(pod) && !this.cache.isAssumed(objectKey(pod))) {
      if (pod.metadata?.deletionTimestamp !== undefined || isTerminal(pod)) this.queue.delete(pod);
      else this.queue.update(pod);
    }
  }

  private podGone(pod: KubeObject): void {
    this.queue.delete(pod);
    if (this.cache.hasPod(objectKey(pod))) {
      this.cache.removePod(pod);
      this.queue.moveAllToActiveOrBackoff();
    }
  }

  private scheduleOne(info: QueuedPod): void {
    const pod = this.pods.indexer.get(info.key);
    if (pod === undefined || assignedNode(pod) !== '' || pod.metadata?.deletionTimestamp !== undefined || this.cache.isAssumed(info.key)) return;
    const result = schedulePod(pod, this.cache, this.plugins, this.options.rng);
    if ('failure' in result) {
      const message = fitErrorMessage(result.failure);
      this.logger.debug({ pod: info.key, message }, 'pod is unschedulable');
      this.queue.addUnschedulable(info);
      this.recorder.event(pod, 'Warning', 'FailedScheduling', message, 'Pod');
      this.track(this.markUnschedulable(info.key, message));
      return;
    }
    this.cache.assume(pod, result.node);
    this.track(this.bind(info, pod, result.node));
  }

  private track(p: Promise<void>): void {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  private async bind(info: QueuedPod, pod: KubeObject, node: string): Promise<void> {
    const ns = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    try {
      await this.podClient.createSubresource(ns, name, 'binding', {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name, namespace: ns, uid: pod.metadata?.uid },
        target: { apiVersion: 'v1', kind: 'Node', name: node },
      });
      this.logger.debug({ pod: info.key, node }, 'bound');
      this.recorder.event(pod, 'Normal', 'Scheduled', `Successfully assigned ${ns}/${name} to ${node}`, 'Pod');
    } catch (err) {
      this.cache.forget(info.key);
      if (isNotFound(err) || isConflict(err)) {
        this.logger.debug({ pod: info.key, err: String(err) }, 'binding refused: pod gone or already bound');
        return;
      }
      this.logger.warn({ pod: info.key, node, err: String(err) }, 'binding failed; retrying after back-off');
      this.recorder.event(pod, 'Warning', 'FailedScheduling', `Binding rejected: ${String(err instanceof Error ? err.message : err)}`, 'Pod');
      this.queue.addBackoff(info);
    }
  }

  /** PodScheduled=False, reason Unschedulable, with the message; written only when it changes. */
  private async markUnschedulable(key: string, message: string): Promise<void> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const pod = this.pods.indexer.get(key);
      if (pod === undefined || assignedNode(pod) !== '') return;
      const conditions = Array.isArray(o(pod.status).conditions) ? (o(pod.status).conditions as Record<string, unknown>[]) : [];
      const current = conditions.find((c) => c.type === 'PodScheduled');
      if (current?.status === 'False' && current.reason === 'Unschedulable' && current.message === message) return;
      const next = structuredClone(pod);
      const condition = {
        type: 'PodScheduled',
        status: 'False',
        lastProbeTime: null,
        lastTransitionTime: current?.status === 'False' ? current.lastTransitionTime : new Date(this.options.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        reason: 'Unschedulable',
        message,
      };
      next.status = { ...o(pod.status), conditions: [...conditions.filter((c) => c.type !== 'PodScheduled'), condition] };
      try {
        await this.podClient.updateStatus(pod.metadata?.namespace ?? '', pod.metadata?.name ?? '', next);
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err)) {
          this.logger.warn({ pod: key, err: String(err) }, 'could not set PodScheduled=False');
          return;
        }
        try {
          this.pods.indexer.upsert(await this.podClient.get(pod.metadata?.namespace ?? '', pod.metadata?.name ?? ''));
        } catch {
          return;
        }
      }
    }
  }
}
