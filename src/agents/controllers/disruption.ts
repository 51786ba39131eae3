// The disruption controller: keeps each PodDisruptionBudget's status true to the pods it selects, so the eviction
// subresource can answer from status alone — expectedPods, desiredHealthy, currentHealthy, disruptionsAllowed, the
// DisruptionAllowed condition, and status.disruptedPods (evictions the apiserver granted whose pods are not yet
// being deleted; kept for 2 minutes at most). A budget it cannot compute is failed safe: no disruptions allowed.
import type { KubeObject } from '../../apiserver/index.ts';
import { pdbSelectsPod } from '../../apiserver/resources/index.ts';
import { o } from '../../apiserver/resources/values.ts';
import { objectKey, RESOURCES, type ResourceClient, type SharedInformer } from '../client/index.ts';
import type { ControllerContext, ControllerDescriptor } from './common/controller-context.ts';
import { QueueController, splitKey, type ReconcileResult } from './common/queue-controller.ts';
import { BudgetError, budgetOf, budgetSpecOf, countHealthy, liveDisruptedPods, needsControllerScale } from './disruption-budget.ts';
import { expectedScaleOf, type ScaleSources } from './disruption-scale.ts';
import { failSafeStatusOf, pdbStatusOf } from './disruption-status.ts';
import { writeStatusIfChanged } from './common/write-status.ts';

const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

export class DisruptionController extends QueueController {
  private readonly pdbs: SharedInformer;
  private readonly pods: SharedInformer;
  private readonly scales: ScaleSources;
  private readonly client: ResourceClient<KubeObject>;

  constructor(ctx: ControllerContext) {
    super('disruption', ctx);
    this.pdbs = ctx.informers.informer(RESOURCES.poddisruptionbudgets);
    this.pods = ctx.informers.informer(RESOURCES.pods);
    this.scales = {
      replicasets: ctx.informers.informer(RESOURCES.replicasets),
      deployments: ctx.informers.informer(RESOURCES.deployments),
      replicationcontrollers: ctx.informers.informer(RESOURCES.replicationcontrollers),
      statefulsets: ctx.informers.informer(RESOURCES.statefulsets),
    };
    this.client = ctx.api.resource<KubeObject>(RESOURCES.poddisruptionbudgets);
    const pdb = (p: KubeObject): void => this.enqueue(objectKey(p));
    this.pdbs.addEventHandler({ onAdd: pdb, onUpdate: (_, p) => pdb(p), onDelete: pdb });
    const pod = (p: KubeObject): void => this.enqueueCovering(p);
    this.pods.addEventHandler({
      onAdd: pod,
      onUpdate: (old, p) => {
        pod(old);
        pod(p);
      },
      onDelete: pod,
    });
    // A controller's scale is the denominator of percentage budgets, so its changes count even before pods move.
    const scaled = (w: KubeObject): void => this.enqueueNamespace(w.metadata?.namespace ?? '');
    const rescaled = (old: KubeObject, w: KubeObject): void => {
      if (o(old.spec).replicas !== o(w.spec).replicas) scaled(w);
    };
    for (const informer of Object.values(this.scales)) informer.addEventHandler({ onAdd: scaled, onUpdate: rescaled, onDelete: scaled });
  }

  private enqueueCovering(pod: KubeObject): void {
    for (const pdb of this.pdbs.indexer.byIndex('namespace', pod.metadata?.namespace ?? '')) {
      if (pdbSelectsPod(pdb, pod.metadata?.labels)) this.enqueue(objectKey(pdb));
    }
  }

  private enqueueNamespace(namespace: string): void {
    for (const pdb of this.pdbs.indexer.byIndex('namespace', namespace)) this.enqueue(objectKey(pdb));
  }

  protected async reconcile(key: string): Promise<ReconcileResult | void> {
    const pdb = this.pdbs.indexer.get(key);
    if (pdb === undefined) return;
    const { namespace } = splitKey(key);
    const pods = this.pods.indexer.byIndex('namespace', namespace).filter((p) => pdbSelectsPod(pdb, p.metadata?.labels));
    if (pods.length === 0) this.ctx.events.event(pdb, 'Normal', 'NoPods', 'No matching pods found');
    const nowMs = this.ctx.clock.now();
    const nowIso = rfc3339(nowMs);
    let status: Record<string, unknown>;
    let recheckInMs: number | undefined;
    try {
      const spec = budgetSpecOf(pdb);
      const scale = needsControllerScale(spec) ? expectedScaleOf(pods, this.scales).expectedPods : 0;
      const budget = budgetOf(spec, pods.length, scale);
      const disrupted = liveDisruptedPods(pods, o(o(pdb.status).disruptedPods) as Record<string, string>, nowMs);
      recheckInMs = disrupted.recheckInMs;
      status = pdbStatusOf(pdb, { ...budget, currentHealthy: countHealthy(pods, disrupted.kept), disruptedPods: disrupted.kept }, nowIso);
    } catch (err) {
      if (!(err instanceof BudgetError)) throw err;
      this.ctx.events.event(pdb, 'Warning', 'CalculateExpectedPodCountFailed', `Failed to calculate the number of expected pods: ${err.message}`);
      status = failSafeStatusOf(pdb, err.message, nowIso);
    }
    await this.writeStatus(pdb, status);
    return recheckInMs === undefined ? undefined : { requeueAfterMs: recheckInMs + 50 };
  }

  /** Only when it changed; a conflict means the eviction subresource wrote meanwhile, and the key is requeued. */
  private async writeStatus(pdb: KubeObject, status: Record<string, unknown>): Promise<void> {
    await writeStatusIfChanged(this.client, pdb, status);
  }
}

export const disruptionController: ControllerDescriptor = {
  name: 'disruption',
  create: (ctx) => new DisruptionController(ctx),
};
