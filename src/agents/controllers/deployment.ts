// The Deployment controller: claims the ReplicaSets its selector matches (controllerRef adoption and release), then
// rolls out (deployment-rollout.ts) and writes status and conditions (deployment-status.ts). Watches ReplicaSets
// (their status drives the rollout) and pods (Recreate waits for old pods to be gone).
import type { KubeObject } from '../../apiserver/index.ts';
import { selectorMatches } from '../../apiserver/resources/index.ts';
import { objectKey } from '../client/indexer.ts';
import type { ResourceClient } from '../client/resource-client.ts';
import { RESOURCES } from '../client/resources.ts';
import type { SharedInformer } from '../client/shared-informer.ts';
import type { ControllerContext, ControllerDescriptor } from './common/controller-context.ts';
import { claimObjects, controllerRefOf, isDeleting, newControllerRef } from './common/controller-ref.ts';
import { isPodActive } from './common/pods.ts';
import { QueueController, splitKey, type ReconcileResult } from './common/queue-controller.ts';
import { DeploymentRollout } from './deployment-rollout.ts';
import { calculateStatus, conditionOf, isComplete, msUntilTimeout, sameStatus, setCondition, withProgressCondition, type Condition } from './deployment-status.ts';
import { DESIRED_REPLICAS_ANNOTATION, isRollingUpdate, replicasOf, specOf, type Obj } from './deployment-util.ts';
import { writeStatusIfChanged } from './common/write-status.ts';

export class DeploymentController extends QueueController {
  private readonly deployments: SharedInformer<Obj>;
  private readonly replicaSets: SharedInformer<Obj>;
  private readonly pods: SharedInformer<Obj>;
  private readonly deploymentClient: ResourceClient<Obj>;
  private readonly rsClient: ResourceClient<Obj>;

  constructor(ctx: ControllerContext) {
    super('deployment', ctx);
    this.deployments = ctx.informers.informer(RESOURCES.deployments);
    this.replicaSets = ctx.informers.informer(RESOURCES.replicasets);
    this.pods = ctx.informers.informer(RESOURCES.pods);
    this.deploymentClient = ctx.api.resource(RESOURCES.deployments);
    this.rsClient = ctx.api.resource(RESOURCES.replicasets);
    const self = (o: Obj): void => this.enqueue(objectKey(o));
    this.deployments.addEventHandler({ onAdd: self, onUpdate: (_, d) => self(d), onDelete: self });
    const byRS = (rs: Obj): void => {
      if (this.enqueueOwnerOf(rs, 'Deployment') === undefined) this.enqueueMatching(rs);
    };
    this.replicaSets.addEventHandler({
      onAdd: byRS,
      onUpdate: (old, rs) => {
        byRS(old);
        byRS(rs);
      },
      onDelete: byRS,
    });
    // Only Recreate cares about pods (it waits until the old ones are gone).
    this.pods.addEventHandler({
      onDelete: (p) => this.enqueueDeploymentOfPod(p),
      onUpdate: (_, p) => {
        if (!isPodActive(p)) this.enqueueDeploymentOfPod(p);
      },
    });
  }

  private enqueueOwnerOf(obj: KubeObject, kind: string): true | undefined {
    const ref = controllerRefOf(obj);
    if (ref === undefined) return undefined;
    if (ref.kind === kind) this.enqueue(`${obj.metadata?.namespace ?? ''}/${ref.name}`);
    return true;
  }

  private enqueueMatching(rs: Obj): void {
    for (const d of this.deployments.indexer.byIndex('namespace', rs.metadata?.namespace ?? '')) {
      if (selectorMatches(specOf(d).selector, rs.metadata?.labels ?? {})) this.enqueue(objectKey(d));
    }
  }

  private enqueueDeploymentOfPod(pod: Obj): void {
    const ref = controllerRefOf(pod);
    if (ref?.kind !== 'ReplicaSet') return;
    const rs = this.replicaSets.indexer.get(`${pod.metadata?.namespace ?? ''}/${ref.name}`);
    if (rs !== undefined) this.enqueueOwnerOf(rs, 'Deployment');
  }

  protected async reconcile(key: string): Promise<ReconcileResult | void> {
    const cached = this.deployments.indexer.get(key);
    if (cached === undefined) return;
    const d = structuredClone(cached);
    const { namespace } = splitKey(key);
    const selector = specOf(d).selector;
    const owned = await claimObjects({
      owner: d,
      ownerRef: newControllerRef(d, 'apps/v1', 'Deployment'),
      candidates: this.replicaSets.indexer.byIndex('namespace', namespace),
      matches: (rs) => typeof selector === 'object' && selector !== null && Object.keys(selector).length > 0 && selectorMatches(selector, rs.metadata?.labels ?? {}),
      client: this.rsClient,
    });
    const rollout = new DeploymentRollout(d, owned, { replicaSets: this.rsClient, deployments: this.deploymentClient, events: this.ctx.events });
    if (isDeleting(d)) return this.writeStatus(rollout, false);
    const paused = specOf(d).paused === true;
    if (paused || this.isScalingEvent(rollout)) {
      await rollout.scaleOnly();
      if (paused) await rollout.cleanup();
      return this.writeStatus(rollout, false);
    }
    if (isRollingUpdate(d)) await rollout.rollRolling();
    else await rollout.rollRecreate((old) => this.oldPodsRunning(old));
    const status = calculateStatus(rollout.deployment, rollout.replicaSets, rollout.newRS, this.ctx.clock.now());
    if (isComplete(rollout.deployment, status)) await rollout.cleanup();
    return this.writeStatus(rollout, true);
  }

  /** Some active ReplicaSet was sized for a different spec.replicas: a scale, not a rollout. */
  private isScalingEvent(rollout: DeploymentRollout): boolean {
    const want = String(replicasOf(rollout.deployment));
    return rollout.replicaSets.some((rs) => {
      const desired = rs.metadata?.annotations?.[DESIRED_REPLICAS_ANNOTATION];
      return replicasOf(rs) > 0 && desired !== undefined && desired !== want;
    });
  }

  private oldPodsRunning(old: readonly Obj[]): boolean {
    if (old.some((rs) => Number((rs.status as { replicas?: number } | undefined)?.replicas ?? 0) > 0)) return true;
    const uids = new Set(old.map((rs) => rs.metadata?.uid));
    const ns = old[0]?.metadata?.namespace ?? '';
    return this.pods.indexer.byIndex('namespace', ns).some((p) => {
      const phase = (p.status as { phase?: string } | undefined)?.phase;
      return uids.has(controllerRefOf(p)?.uid) && phase !== 'Succeeded' && phase !== 'Failed';
    });
  }

  private async writeStatus(rollout: DeploymentRollout, rolling: boolean): Promise<ReconcileResult | void> {
    const d = rollout.deployment;
    const now = this.ctx.clock.now();
    let status = calculateStatus(d, rollout.replicaSets, rollout.newRS, now);
    status = { ...status, conditions: pausedConditions(d, status.conditions, now) };
    if (rolling) status = withProgressCondition(d, status, rollout.newRS, now);
    await writeStatusIfChanged(this.deploymentClient, d, { ...status }, sameStatus);
    // Come back when the progress deadline would pass without news.
    const wait = msUntilTimeout(d, status, now);
    return wait === undefined ? undefined : { requeueAfterMs: Math.max(wait, 0) + 100 };
  }
}

/** Progressing Unknown DeploymentPaused while paused; DeploymentResumed once resumed. */
function pausedConditions(d: Obj, conditions: Condition[], nowMs: number): Condition[] {
  const current = conditionOf({ conditions }, 'Progressing');
  const paused = specOf(d).paused === true;
  if (paused && current?.reason !== 'DeploymentPaused') {
    return setCondition(conditions, { type: 'Progressing', status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused' }, nowMs);
  }
  if (!paused && current?.reason === 'DeploymentPaused') {
    return setCondition(conditions, { type: 'Progressing', status: 'Unknown', reason: 'DeploymentResumed', message: 'Deployment is resumed' }, nowMs);
  }
  return conditions;
}

export const deploymentController: ControllerDescriptor = { name: 'deployment', create: (ctx) => new DeploymentController(ctx) };
