// The ReplicaSet controller, and (through a different `kind`) the ReplicationController controller, as Kubernetes
// runs one code path for both: claim the pods matching the selector (adopt orphans, release non-matching ones), create
// or delete pods until the active count equals spec.replicas (creations in slow-start batches, deletions of the most
// deletable pods first), then write status. Expectations keep a lagging cache from causing double creates.
import type { KubeObject } from '../../apiserver/index.ts';
import { selectorMatches } from '../../apiserver/resources/index.ts';
import { isNotFound } from '../client/errors.ts';
import type { ResourceClient, ResourceRef } from '../client/resource-client.ts';
import { RESOURCES } from '../client/resources.ts';
import type { SharedInformer } from '../client/shared-informer.ts';
import { objectKey } from '../client/indexer.ts';
import type { ControllerContext, ControllerDescriptor } from './common/controller-context.ts';
import { claimObjects, controllerRefOf, isDeleting, newControllerRef } from './common/controller-ref.ts';
import { Expectations } from './common/expectations.ts';
import { compareForDeletion, isPodActive, nextAvailableInMs } from './common/pods.ts';
import { podFromTemplate, podNamePrefix, type PodTemplate } from './common/pod-template.ts';
import { QueueController, splitKey, type ReconcileResult } from './common/queue-controller.ts';
import { slowStartBatch } from './common/slow-start.ts';
import { replicaStatusOf, sameReplicaStatus } from './replica-set-status.ts';
import { writeStatusIfChanged } from './common/write-status.ts';

/** Kubernetes' --replicaset burst: at most this many pods created or deleted per reconcile. */
const BURST_REPLICAS = 500;
const SLOW_START_INITIAL_BATCH = 1;

export interface ReplicaKind {
  controllerName: string;
  ref: ResourceRef;
  apiVersion: string;
  kind: string;
  /** A labels → matches function from the owner's spec.selector (a LabelSelector, or a plain map for RCs). */
  selects(owner: KubeObject, labels: Record<string, string>): boolean;
}

export const REPLICA_SET_KIND: ReplicaKind = {
  controllerName: 'replicaset',
  ref: RESOURCES.replicasets,
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  selects: (owner, labels) => {
    const selector = (owner.spec as { selector?: unknown }).selector;
    // An empty selector matches nothing for a controller (validation forbids it anyway).
    return selector !== undefined && Object.keys(selector as object).length > 0 && selectorMatches(selector, labels);
  },
};

interface ReplicaSpec {
  replicas?: number;
  minReadySeconds?: number;
  template?: PodTemplate;
}

export class ReplicaManager extends QueueController {
  private readonly owners: SharedInformer;
  private readonly pods: SharedInformer;
  private readonly ownerClient: ResourceClient<KubeObject>;
  private readonly podClient: ResourceClient<KubeObject>;
  private readonly expectations: Expectations;

  constructor(
    ctx: ControllerContext,
    private readonly kind: ReplicaKind,
  ) {
    super(kind.controllerName, ctx);
    this.expectations = new Expectations(ctx.clock);
    this.owners = ctx.informers.informer(kind.ref);
    this.pods = ctx.informers.informer(RESOURCES.pods);
    this.ownerClient = ctx.api.resource(kind.ref);
    this.podClient = ctx.api.resource(RESOURCES.pods);
    this.owners.addEventHandler({
      onAdd: (o) => this.enqueue(objectKey(o)),
      onUpdate: (_, o) => this.enqueue(objectKey(o)),
      onDelete: (o) => {
        this.expectations.forget(objectKey(o));
        this.enqueue(objectKey(o));
      },
    });
    this.pods.addEventHandler({
      onAdd: (p) => {
        const owner = this.ownerOf(p);
        if (owner !== undefined) {
          this.expectations.creationObserved(owner);
          this.enqueue(owner);
        } else this.enqueueMatching(p);
      },
      onUpdate: (old, p) => {
        if (isDeleting(p) && !isDeleting(old)) this.observeDeletion(p);
        for (const pod of [old, p]) {
          const owner = this.ownerOf(pod);
          if (owner !== undefined) this.enqueue(owner);
          else if (pod === p) this.enqueueMatching(p);
        }
      },
      onDelete: (p) => {
        this.observeDeletion(p);
        const owner = this.ownerOf(p);
        if (owner !== undefined) this.enqueue(owner);
      },
    });
  }

  /** The key of this kind's controller of `pod`, if it has one. */
  private ownerOf(pod: KubeObject): string | undefined {
    const ref = controllerRefOf(pod);
    if (ref?.kind !== this.kind.kind) return undefined;
    const key = `${pod.metadata?.namespace ?? ''}/${ref.name}`;
    return this.owners.indexer.get(key)?.metadata?.uid === ref.uid ? key : undefined;
  }

  private observeDeletion(pod: KubeObject): void {
    const owner = this.ownerOf(pod);
    if (owner !== undefined) this.expectations.deletionObserved(owner, pod.metadata?.uid ?? '');
  }

  /** An orphan pod: every owner whose selector matches it gets a look (to adopt it). */
  private enqueueMatching(pod: KubeObject): void {
    if (controllerRefOf(pod) !== undefined) return;
    for (const owner of this.owners.indexer.byIndex('namespace', pod.metadata?.namespace ?? '')) {
      if (this.kind.selects(owner, pod.metadata?.labels ?? {})) this.enqueue(objectKey(owner));
    }
  }

  protected async reconcile(key: string): Promise<ReconcileResult | void> {
    const owner = this.owners.indexer.get(key);
    if (owner === undefined) {
      this.expectations.forget(key);
      return;
    }
    const spec = (owner.spec ?? {}) as ReplicaSpec;
    const needsSync = this.expectations.satisfied(key) && !isDeleting(owner);
    const { namespace } = splitKey(key);
    const candidates = this.pods.indexer.byIndex('namespace', namespace);
    const owned = await claimObjects({
      owner,
      ownerRef: newControllerRef(owner, this.kind.apiVersion, this.kind.kind),
      candidates,
      matches: (p) => this.kind.selects(owner, p.metadata?.labels ?? {}),
      client: this.podClient,
    });
    const active = owned.filter(isPodActive);
    let manageError: unknown;
    if (needsSync) {
      try {
        await this.manageReplicas(key, owner, active, spec);
      } catch (err) {
        manageError = err;
      }
    }
    const minReady = spec.minReadySeconds ?? 0;
    const now = this.ctx.clock.now();
    await this.writeStatus(owner, replicaStatusOf(owner, active, minReady, now));
    if (manageError !== undefined) throw manageError;
    const next = nextAvailableInMs(active, minReady, now);
    return next === undefined ? undefined : { requeueAfterMs: next };
  }

  private async manageReplicas(key: string, owner: KubeObject, active: KubeObject[], spec: ReplicaSpec): Promise<void> {
    const diff = active.length - (spec.replicas ?? 1);
    const meta = owner.metadata ?? {};
    if (diff < 0) {
      const count = Math.min(-diff, BURST_REPLICAS);
      this.expectations.expectCreations(key, count);
      const ref = newControllerRef(owner, this.kind.apiVersion, this.kind.kind);
      const pod = podFromTemplate(spec.template ?? {}, meta.namespace ?? '', ref, { generateName: podNamePrefix(meta.name ?? '') });
      const { succeeded, error } = await slowStartBatch(count, SLOW_START_INITIAL_BATCH, async () => {
        const created = await this.podClient.create(meta.namespace ?? '', pod);
        this.ctx.events.event(owner, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name ?? ''}`);
      });
      // The creations that never happened will never be observed.
      for (let i = succeeded; i < count; i++) this.expectations.creationObserved(key);
      if (error !== undefined) {
        this.ctx.events.event(owner, 'Warning', 'FailedCreate', `Error creating: ${error instanceof Error ? error.message : String(error)}`);
        throw error;
      }
    } else if (diff > 0) {
      const victims = [...active].sort(compareForDeletion).slice(0, Math.min(diff, BURST_REPLICAS));
      this.expectations.expectDeletions(key, victims.map((p) => p.metadata?.uid ?? ''));
      const results = await Promise.allSettled(
        victims.map(async (p) => {
          try {
            await this.podClient.delete(meta.namespace ?? '', p.metadata?.name ?? '');
            this.ctx.events.event(owner, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata?.name ?? ''}`);
          } catch (err) {
            this.expectations.deletionObserved(key, p.metadata?.uid ?? '');
            if (!isNotFound(err)) throw err;
          }
        }),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    }
  }

  private async writeStatus(owner: KubeObject, status: ReturnType<typeof replicaStatusOf>): Promise<void> {
    await writeStatusIfChanged(this.ownerClient, owner, status, sameReplicaStatus);
  }
}

export const replicaSetController: ControllerDescriptor = {
  name: 'replicaset',
  create: (ctx) => new ReplicaManager(ctx, REPLICA_SET_KIND),
};
