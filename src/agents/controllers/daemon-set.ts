// The DaemonSet controller: one pod per eligible node (nodeSelector, required node affinity, taints against the
// pod's tolerations plus the ones Kubernetes adds to daemon pods — not-ready/unreachable NoExecute, unschedulable,
// pressure NoSchedule). Pods are created without spec.nodeName but pinned by a required nodeAffinity term matching
// the field metadata.name, as Kubernetes does, so the scheduler binds them. RollingUpdate replaces pods whose
// controller-revision-hash is stale, at most maxUnavailable unavailable at a time; OnDelete waits for the user.
import { selectorMatches } from '../../apiserver/resources/index.ts';
import { isNotFound } from '../client/errors.ts';
import { objectKey } from '../client/indexer.ts';
import type { ResourceClient } from '../client/resource-client.ts';
import { RESOURCES } from '../client/resources.ts';
import type { SharedInformer } from '../client/shared-informer.ts';
import type { ControllerContext, ControllerDescriptor } from './common/controller-context.ts';
import { claimObjects, controllerRefOf, isDeleting, newControllerRef } from './common/controller-ref.ts';
import { Expectations } from './common/expectations.ts';
import { computeHash, jsonEqual } from './common/hash.ts';
import { podFitsNode, type Toleration } from './common/node-eligibility.ts';
import { podFromTemplate, podNamePrefix, type PodTemplate } from './common/pod-template.ts';
import { isPodAvailable, isPodReady, nextAvailableInMs, podPhase } from './common/pods.ts';
import { QueueController, splitKey, type ReconcileResult } from './common/queue-controller.ts';
import type { Obj } from './deployment-util.ts';
import { writeStatusIfChanged } from './common/write-status.ts';

export const REVISION_HASH_LABEL = 'controller-revision-hash';

const DAEMON_TOLERATIONS: Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];

interface DaemonSetSpec {
  selector?: unknown;
  template?: PodTemplate;
  minReadySeconds?: number;
  updateStrategy?: { type?: string; rollingUpdate?: { maxUnavailable?: number | string } };
}

/** The template with the daemon tolerations added (those it does not already carry). */
function daemonPodSpec(template: PodTemplate): Record<string, unknown> {
  const spec = structuredClone(template.spec ?? {}) as { tolerations?: Toleration[] };
  const own = spec.tolerations ?? [];
  spec.tolerations = [...own, ...DAEMON_TOLERATIONS.filter((t) => !own.some((o) => o.key === t.key && o.effect === t.effect))];
  return spec;
}

/** The node a daemon pod is for: spec.nodeName once bound, else its metadata.name affinity term. */
export function daemonPodNode(pod: Obj): string | undefined {
  const spec = (pod.spec ?? {}) as { nodeName?: string; affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: { matchFields?: { key: string; values?: string[] }[] }[] } } } };
  if (spec.nodeName !== undefined && spec.nodeName !== '') return spec.nodeName;
  for (const term of spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    const field = term.matchFields?.find((f) => f.key === 'metadata.name');
    if (field?.values?.length === 1) return field.values[0];
  }
  return undefined;
}

function pinnedToNode(spec: Record<string, unknown>, node: string): Record<string, unknown> {
  const affinity = { ...(spec.affinity as Record<string, unknown> | undefined) };
  const nodeAffinity = { ...(affinity.nodeAffinity as Record<string, unknown> | undefined) };
  nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }] };
  return { ...spec, affinity: { ...affinity, nodeAffinity } };
}

function resolveMaxUnavailable(value: number | string | undefined, desired: number): number {
  const v = value ?? 1;
  const n = typeof v === 'number' ? v : /^\d+%$/.test(v) ? Math.floor((Number(v.slice(0, -1)) * desired) / 100) : Number(v);
  return Math.max(1, n);
}

export class DaemonSetController extends QueueController {
  private readonly daemonSets: SharedInformer<Obj>;
  private readonly pods: SharedInformer<Obj>;
  private readonly nodes: SharedInformer<Obj>;
  private readonly dsClient: ResourceClient<Obj>;
  private readonly podClient: ResourceClient<Obj>;
  private readonly expectations: Expectations;

  constructor(ctx: ControllerContext) {
    super('daemonset', ctx);
    this.expectations = new Expectations(ctx.clock);
    this.daemonSets = ctx.informers.informer(RESOURCES.daemonsets);
    this.pods = ctx.informers.informer(RESOURCES.pods);
    this.nodes = ctx.informers.informer(RESOURCES.nodes);
    this.dsClient = ctx.api.resource(RESOURCES.daemonsets);
    this.podClient = ctx.api.resource(RESOURCES.pods);
    const self = (o: Obj): void => this.enqueue(objectKey(o));
    this.daemonSets.addEventHandler({ onAdd: self, onUpdate: (_, o) => self(o), onDelete: self });
    const all = (): void => {
      for (const ds of this.daemonSets.indexer.list()) self(ds);
    };
    this.nodes.addEventHandler({ onAdd: all, onUpdate: (a, b) => !jsonEqual([a.metadata?.labels, a.spec], [b.metadata?.labels, b.spec]) && all(), onDelete: all });
    const byPod = (p: Obj, observe?: (key: string) => void): void => {
      const ref = controllerRefOf(p);
      if (ref?.kind !== 'DaemonSet') return;
      const key = `${p.metadata?.namespace ?? ''}/${ref.name}`;
      observe?.(key);
      this.enqueue(key);
    };
    const gone = (key: string, p: Obj): void => this.expectations.deletionObserved(key, p.metadata?.uid ?? '');
    this.pods.addEventHandler({
      onAdd: (p) => byPod(p, (k) => this.expectations.creationObserved(k)),
      onUpdate: (old, p) => byPod(p, (k) => (isDeleting(p) && !isDeleting(old) ? gone(k, p) : undefined)),
      onDelete: (p) => byPod(p, (k) => gone(k, p)),
    });
  }

  protected async reconcile(key: string): Promise<ReconcileResult | void> {
    const cached = this.daemonSets.indexer.get(key);
    if (cached === undefined) return;
    const ds = structuredClone(cached);
    const spec = (ds.spec ?? {}) as DaemonSetSpec;
    const { namespace } = splitKey(key);
    const pods = await claimObjects({
      owner: ds,
      ownerRef: newControllerRef(ds, 'apps/v1', 'DaemonSet'),
      candidates: this.pods.indexer.byIndex('namespace', namespace),
      matches: (p) => selectorMatches(spec.selector, p.metadata?.labels ?? {}),
      client: this.podClient,
    });
    const hash = computeHash(spec.template ?? {});
    const podSpec = daemonPodSpec(spec.template ?? {});
    const nodes = this.nodes.indexer.list();
    const eligible = new Set(nodes.filter((n) => podFitsNode(podSpec, n)).map((n) => n.metadata?.name ?? ''));
    const byNode = new Map<string, Obj[]>();
    for (const p of pods) {
      const node = daemonPodNode(p) ?? '';
      byNode.set(node, [...(byNode.get(node) ?? []), p]);
    }
    const toCreate: string[] = [];
    const toDelete: Obj[] = [];
    for (const node of eligible) {
      const live = (byNode.get(node) ?? []).filter((p) => !isDeleting(p));
      const failed = live.filter((p) => podPhase(p) === 'Failed');
      toDelete.push(...failed);
      const running = live.filter((p) => podPhase(p) !== 'Failed').sort((a, b) => (a.metadata?.creationTimestamp ?? '').localeCompare(b.metadata?.creationTimestamp ?? ''));
      if (running.length === 0 && failed.length === 0) toCreate.push(node);
      toDelete.push(...running.slice(1));
    }
    for (const [node, nodePods] of byNode) if (!eligible.has(node)) toDelete.push(...nodePods.filter((p) => !isDeleting(p)));

    const now = this.ctx.clock.now();
    const minReady = spec.minReadySeconds ?? 0;
    if (!isDeleting(ds) && this.expectations.satisfied(key)) {
      if ((spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') toDelete.push(...this.rollingVictims(spec, pods, eligible, hash, minReady, now, toDelete));
      const doomed = [...new Set(toDelete)];
      if (doomed.length > 0) {
        this.expectations.expectDeletions(key, doomed.map((p) => p.metadata?.uid ?? ''));
        await this.deletePods(key, ds, doomed);
      } else if (toCreate.length > 0) {
        // Deletions first, creations on a later pass: a node never briefly has two daemon pods.
        this.expectations.expectCreations(key, toCreate.length);
        await this.createPods(key, ds, toCreate, podSpec, hash);
      }
    }
    const current = pods.filter((p) => !isDeleting(p) && eligible.has(daemonPodNode(p) ?? ''));
    const status = {
      currentNumberScheduled: new Set(current.map((p) => daemonPodNode(p))).size,
      numberMisscheduled: new Set(pods.filter((p) => !eligible.has(daemonPodNode(p) ?? '')).map((p) => daemonPodNode(p))).size,
      desiredNumberScheduled: eligible.size,
      numberReady: current.filter(isPodReady).length,
      observedGeneration: ds.metadata?.generation ?? 0,
      updatedNumberScheduled: current.filter((p) => p.metadata?.labels?.[REVISION_HASH_LABEL] === hash).length,
      numberAvailable: current.filter((p) => isPodAvailable(p, minReady, now)).length,
      numberUnavailable: Math.max(0, eligible.size - current.filter((p) => isPodAvailable(p, minReady, now)).length),
    };
    await writeStatusIfChanged(this.dsClient, ds, status);
    const next = nextAvailableInMs(current, minReady, now);
    return next === undefined ? undefined : { requeueAfterMs: next };
  }

  /** Old-revision pods to replace now: unavailable ones first, then as many as maxUnavailable leaves room for. */
  private rollingVictims(spec: DaemonSetSpec, pods: Obj[], eligible: Set<string>, hash: string, minReady: number, now: number, already: Obj[]): Obj[] {
    const ds = (d: Obj): boolean => !isDeleting(d) && !already.includes(d) && eligible.has(daemonPodNode(d) ?? '');
    const live = pods.filter(ds);
    const old = live.filter((p) => p.metadata?.labels?.[REVISION_HASH_LABEL] !== hash);
    if (old.length === 0) return [];
    const maxUnavailable = resolveMaxUnavailable(spec.updateStrategy?.rollingUpdate?.maxUnavailable, eligible.size);
    const nodesWithAvailable = new Set(live.filter((p) => isPodAvailable(p, minReady, now)).map((p) => daemonPodNode(p)));
    let unavailable = eligible.size - nodesWithAvailable.size;
    const victims = old.filter((p) => !isPodAvailable(p, minReady, now));
    for (const p of old) {
      if (victims.includes(p)) continue;
      if (unavailable >= maxUnavailable) break;
      victims.push(p);
      unavailable++;
    }
    return victims;
  }

  private async createPods(key: string, ds: Obj, nodes: string[], podSpec: Record<string, unknown>, hash: string): Promise<void> {
    const meta = ds.metadata ?? {};
    const template = (ds.spec as DaemonSetSpec).template ?? {};
    for (const [i, node] of nodes.entries()) {
      const pod = podFromTemplate({ ...template, spec: pinnedToNode(podSpec, node) }, meta.namespace ?? '', newControllerRef(ds, 'apps/v1', 'DaemonSet'), { generateName: podNamePrefix(meta.name ?? '') });
      pod.metadata = { ...pod.metadata, labels: { ...pod.metadata?.labels, [REVISION_HASH_LABEL]: hash } };
      try {
        const created = await this.podClient.create(meta.namespace ?? '', pod);
        this.ctx.events.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name ?? ''}`);
      } catch (err) {
        for (let j = i; j < nodes.length; j++) this.expectations.creationObserved(key);
        throw err;
      }
    }
  }

  private async deletePods(key: string, ds: Obj, pods: Obj[]): Promise<void> {
    for (const p of pods) {
      try {
        await this.podClient.delete(p.metadata?.namespace ?? '', p.metadata?.name ?? '');
        this.ctx.events.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata?.name ?? ''}`);
      } catch (err) {
        this.expectations.deletionObserved(key, p.metadata?.uid ?? '');
        if (!isNotFound(err)) throw err;
      }
    }
  }
}

export const daemonSetController: ControllerDescriptor = { name: 'daemonset', create: (ctx) => new DaemonSetController(ctx) };
