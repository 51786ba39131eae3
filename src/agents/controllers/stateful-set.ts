// The StatefulSet controller: pods with stable names <sts>-<ordinal> (hostname and subdomain set for the governing
// Service). OrderedReady creates ordinals one at a time, each waiting until the ones before are Running and Ready,
// and removes them in reverse order, one at a time; Parallel creates and removes without waiting. RollingUpdate
// replaces pods whose controller-revision-hash label differs from the update revision, from the highest ordinal down
// to the partition, one at a time while the rest are ready. Revisions are hashes of the template; ControllerRevision
// objects are not written, so a pod below the partition that is recreated gets the update revision's template.
// volumeClaimTemplates: each pod's missing claims (stateful-set-claims.ts) are created before it, and kept after it;
// the retention policy sets their owners.
import { selectorMatches } from '../../apiserver/resources/index.ts';
import { isAlreadyExists, isNotFound } from '../client/errors.ts';
import { objectKey } from '../client/indexer.ts';
import type { ResourceClient } from '../client/resource-client.ts';
import { RESOURCES } from '../client/resources.ts';
import type { SharedInformer } from '../client/shared-informer.ts';
import type { ControllerContext, ControllerDescriptor } from './common/controller-context.ts';
import { claimObjects, controllerRefOf, isDeleting, newControllerRef } from './common/controller-ref.ts';
import { computeHash } from './common/hash.ts';
import { podFromTemplate, type PodTemplate } from './common/pod-template.ts';
import { isPodAvailable, isPodReady, nextAvailableInMs, podPhase } from './common/pods.ts';
import { QueueController, splitKey, type ReconcileResult } from './common/queue-controller.ts';
import type { Obj } from './deployment-util.ts';
import { writeStatusIfChanged } from './common/write-status.ts';
import { claimsForOrdinal, retentionOwnerRefs, volumesWithClaims } from './stateful-set-claims.ts';

const REVISION_LABEL = 'controller-revision-hash';
const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

interface StatefulSetSpec {
  replicas?: number;
  selector?: unknown;
  serviceName?: string;
  template?: PodTemplate;
  podManagementPolicy?: 'OrderedReady' | 'Parallel';
  updateStrategy?: { type?: 'RollingUpdate' | 'OnDelete'; rollingUpdate?: { partition?: number } };
  minReadySeconds?: number;
  volumeClaimTemplates?: unknown[];
}

export function ordinalOf(stsName: string, pod: Obj): number {
  const name = pod.metadata?.name ?? '';
  const m = /^(.*)-(\d+)$/.exec(name);
  return m !== null && m[1] === stsName ? Number(m[2]) : -1;
}

const runningAndReady = (p: Obj): boolean => podPhase(p) === 'Running' && isPodReady(p) && !isDeleting(p);
const revisionOfPod = (p: Obj): string => p.metadata?.labels?.[REVISION_LABEL] ?? '';

export class StatefulSetController extends QueueController {
  private readonly sets: SharedInformer<Obj>;
  private readonly pods: SharedInformer<Obj>;
  private readonly stsClient: ResourceClient<Obj>;
  private readonly podClient: ResourceClient<Obj>;
  private readonly claims: SharedInformer<Obj>;
  private readonly claimClient: ResourceClient<Obj>;

  constructor(ctx: ControllerContext) {
    super('statefulset', ctx);
    this.sets = ctx.informers.informer(RESOURCES.statefulsets);
    this.pods = ctx.informers.informer(RESOURCES.pods);
    this.claims = ctx.informers.informer(RESOURCES.persistentvolumeclaims);
    this.stsClient = ctx.api.resource(RESOURCES.statefulsets);
    this.podClient = ctx.api.resource(RESOURCES.pods);
    this.claimClient = ctx.api.resource(RESOURCES.persistentvolumeclaims);
    const self = (o: Obj): void => this.enqueue(objectKey(o));
    this.sets.addEventHandler({ onAdd: self, onUpdate: (_, o) => self(o), onDelete: self });
    const byPod = (p: Obj): void => {
      const ref = controllerRefOf(p);
      if (ref?.kind === 'StatefulSet') this.enqueue(`${p.metadata?.namespace ?? ''}/${ref.name}`);
    };
    this.pods.addEventHandler({ onAdd: byPod, onUpdate: (_, p) => byPod(p), onDelete: byPod });
  }

  protected async reconcile(key: string): Promise<ReconcileResult | void> {
    const cached = this.sets.indexer.get(key);
    if (cached === undefined) return;
    const sts = structuredClone(cached);
    const spec = (sts.spec ?? {}) as StatefulSetSpec;
    const name = sts.metadata?.name ?? '';
    const { namespace } = splitKey(key);
    const pods = await claimObjects({
      owner: sts,
      ownerRef: newControllerRef(sts, 'apps/v1', 'StatefulSet'),
      candidates: this.pods.indexer.byIndex('namespace', namespace),
      matches: (p) => selectorMatches(spec.selector, p.metadata?.labels ?? {}) && ordinalOf(name, p) >= 0,
      client: this.podClient,
    });
    const updateRevision = `${name}-${computeHash(spec.template ?? {})}`;
    const status = (sts.status ?? {}) as { currentRevision?: string };
    let currentRevision = status.currentRevision ?? updateRevision;
    if (!isDeleting(sts)) {
      await this.keepClaims(sts, spec, pods);
      await this.sync(sts, spec, pods, updateRevision);
    }

    const live = pods.filter((p) => !isDeleting(p));
    const replicas = spec.replicas ?? 1;
    const now = this.ctx.clock.now();
    const minReady = spec.minReadySeconds ?? 0;
    const updated = live.filter((p) => revisionOfPod(p) === updateRevision);
    // Once every wanted pod runs the update revision and is ready, the update revision becomes current.
    if (updated.length === replicas && updated.every(runningAndReady)) currentRevision = updateRevision;
    const next = {
      observedGeneration: sts.metadata?.generation ?? 0,
      replicas: live.length,
      readyReplicas: live.filter(isPodReady).length,
      currentReplicas: live.filter((p) => revisionOfPod(p) === currentRevision).length,
      updatedReplicas: updated.length,
      availableReplicas: live.filter((p) => isPodAvailable(p, minReady, now)).length,
      currentRevision,
      updateRevision,
      collisionCount: 0,
    };
    await writeStatusIfChanged(this.stsClient, sts, next);
    const wait = nextAvailableInMs(live, minReady, now);
    return wait === undefined ? undefined : { requeueAfterMs: wait };
  }

  /** One pass: create missing ordinals, replace failed pods, remove condemned ones, roll one stale pod. */
  private async sync(sts: Obj, spec: StatefulSetSpec, pods: Obj[], updateRevision: string): Promise<void> {
    const name = sts.metadata?.name ?? '';
    const replicas = spec.replicas ?? 1;
    const ordered = (spec.podManagementPolicy ?? 'OrderedReady') === 'OrderedReady';
    const byOrdinal = new Map(pods.map((p) => [ordinalOf(name, p), p]));

    for (let i = 0; i < replicas; i++) {
      const pod = byOrdinal.get(i);
      if (pod === undefined) {
        await this.createPod(sts, spec, i, updateRevision);
        if (ordered) return;
        continue;
      }
      if (podPhase(pod) === 'Failed' && !isDeleting(pod)) {
        await this.deletePod(sts, pod);
        if (ordered) return;
        continue;
      }
      // OrderedReady: nothing beyond an ordinal that is not yet Running and Ready.
      if (ordered && !runningAndReady(pod)) return;
    }

    const condemned = pods.filter((p) => ordinalOf(name, p) >= replicas).sort((a, b) => ordinalOf(name, b) - ordinalOf(name, a));
    for (const pod of condemned) {
      if (isDeleting(pod)) {
        if (ordered) return;
        continue;
      }
      // OrderedReady removes the highest ordinal only while all the others are healthy.
      if (ordered && !pods.filter((p) => p !== pod).every(runningAndReady)) return;
      await this.deletePod(sts, pod);
      if (ordered) return;
    }

    if ((spec.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return;
    const partition = spec.updateStrategy?.rollingUpdate?.partition ?? 0;
    const wanted = pods.filter((p) => ordinalOf(name, p) < replicas);
    if (!wanted.every(runningAndReady) || wanted.length < replicas) return;
    for (let i = replicas - 1; i >= partition; i--) {
      const pod = byOrdinal.get(i);
      if (pod !== undefined && revisionOfPod(pod) !== updateRevision) {
        await this.deletePod(sts, pod);
        return;
      }
    }
  }

  /**
   * Every claim of a live pod gets the owners its retention policy gives it, before any condemned pod is removed (so
   * a claim to be deleted with its pod is owned by it first). A claim deleted under a running pod is not made again
   * until the pod is, as upstream.
   */
  private async keepClaims(sts: Obj, spec: StatefulSetSpec, pods: Obj[]): Promise<void> {
    const name = sts.metadata?.name ?? '';
    const replicas = spec.replicas ?? 1;
    for (const pod of pods) {
      if (isDeleting(pod)) continue;
      const ordinal = ordinalOf(name, pod);
      for (const wanted of claimsForOrdinal(sts, ordinal)) {
        const claim = this.claims.indexer.get(`${wanted.metadata?.namespace ?? ''}/${wanted.metadata?.name ?? ''}`);
        if (claim === undefined || isDeleting(claim)) continue;
        const refs = retentionOwnerRefs(claim, sts, pod, ordinal >= replicas);
        if (refs === undefined) continue;
        const meta = claim.metadata ?? {};
        await this.claimClient.update(meta.namespace ?? '', meta.name ?? '', { ...claim, metadata: { ...meta, ownerReferences: refs } });
      }
    }
  }

  /** The claims of pod `ordinal` that do not exist yet; a claim still being deleted holds the pod back. */
  private async createClaims(sts: Obj, ordinal: number, podName: string): Promise<void> {
    const setName = sts.metadata?.name ?? '';
    for (const claim of claimsForOrdinal(sts, ordinal)) {
      const ns = claim.metadata?.namespace ?? '';
      const claimName = claim.metadata?.name ?? '';
      const existing = this.claims.indexer.get(`${ns}/${claimName}`);
      if (existing !== undefined) {
        if (isDeleting(existing)) throw new Error(`pvc ${claimName} is being deleted`);
        continue;
      }
      try {
        await this.claimClient.create(ns, claim);
        this.ctx.events.event(sts, 'Normal', 'SuccessfulCreate', `create Claim ${claimName} Pod ${podName} in StatefulSet ${setName} success`);
      } catch (err) {
        if (isAlreadyExists(err)) continue;
        this.ctx.events.event(sts, 'Warning', 'FailedCreate', `create Claim ${claimName} for Pod ${podName} in StatefulSet ${setName} failed error: ${err instanceof Error ? err.message : String(err)}`);
        throw err;
      }
    }
  }

  private async createPod(sts: Obj, spec: StatefulSetSpec, ordinal: number, revision: string): Promise<void> {
    const meta = sts.metadata ?? {};
    const podName = `${meta.name ?? ''}-${ordinal}`;
    await this.createClaims(sts, ordinal, podName);
    const pod = podFromTemplate(spec.template ?? {}, meta.namespace ?? '', newControllerRef(sts, 'apps/v1', 'StatefulSet'), { name: podName });
    pod.metadata = { ...pod.metadata, labels: { ...pod.metadata?.labels, [REVISION_LABEL]: revision, [POD_NAME_LABEL]: podName, [POD_INDEX_LABEL]: String(ordinal) } };
    const podSpec = pod.spec as Record<string, unknown>;
    const volumes = (spec.volumeClaimTemplates ?? []).length > 0 ? { volumes: volumesWithClaims(sts, ordinal, podSpec.volumes) } : {};
    pod.spec = { ...podSpec, ...volumes, hostname: podName, ...(spec.serviceName !== undefined && spec.serviceName !== '' ? { subdomain: spec.serviceName } : {}) };
    try {
      await this.podClient.create(meta.namespace ?? '', pod);
      this.ctx.events.event(sts, 'Normal', 'SuccessfulCreate', `create Pod ${podName} in StatefulSet ${meta.name ?? ''} successful`);
    } catch (err) {
      // The cache has not caught up with an earlier create (or a deletion is still finishing): look again later.
      if (!isAlreadyExists(err)) throw err;
    }
  }

  private async deletePod(sts: Obj, pod: Obj): Promise<void> {
    const podName = pod.metadata?.name ?? '';
    try {
      await this.podClient.delete(pod.metadata?.namespace ?? '', podName, { preconditions: { uid: pod.metadata?.uid } });
      this.ctx.events.event(sts, 'Normal', 'SuccessfulDelete', `delete Pod ${podName} in StatefulSet ${sts.metadata?.name ?? ''} successful`);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

export const statefulSetController: ControllerDescriptor = { name: 'statefulset', create: (ctx) => new StatefulSetController(ctx) };
