// One Deployment sync, as Kubernetes' deployment controller: find or create the new ReplicaSet (named
// <deployment>-<pod-template-hash>, revision = max old revision + 1), then roll: RollingUpdate scales the new
// ReplicaSet up within maxSurge and old ones down within maxUnavailable; Recreate scales old ones to zero, waits
// for their pods to be gone, then scales the new one up. Paused or scaling-only syncs resize proportionally without
// rolling. Finished rollouts delete old ReplicaSets beyond revisionHistoryLimit.
import type { KubeObject } from '../../apiserver/index.ts';
import { isAlreadyExists, isNotFound } from '../client/errors.ts';
import type { ResourceClient } from '../client/resource-client.ts';
import type { EventSink } from './common/events.ts';
import { computeHash } from './common/hash.ts';
import { newControllerRef } from './common/controller-ref.ts';
import type { PodTemplate } from './common/pod-template.ts';
import {
  copiedAnnotations,
  DESIRED_REPLICAS_ANNOTATION,
  equalIgnoreHash,
  findNewReplicaSet,
  MAX_REPLICAS_ANNOTATION,
  maxRevision,
  maxSurge,
  maxUnavailable,
  POD_TEMPLATE_HASH_LABEL,
  replicasOf,
  REVISION_ANNOTATION,
  revisionOf,
  sortByCreation,
  specOf,
  statusNum,
  sumSpecReplicas,
  sumStatus,
  type Obj,
} from './deployment-util.ts';

export interface RolloutDeps {
  replicaSets: ResourceClient<Obj>;
  deployments: ResourceClient<Obj>;
  events: EventSink;
}

export class DeploymentRollout {
  /** Every ReplicaSet the Deployment owns, updated in place as this sync scales them. */
  private rss: Obj[];

  constructor(
    private d: Obj,
    owned: readonly Obj[],
    private readonly deps: RolloutDeps,
  ) {
    this.rss = [...owned];
  }

  get replicaSets(): readonly Obj[] {
    return this.rss;
  }

  get newRS(): Obj | undefined {
    return findNewReplicaSet(this.d, this.rss);
  }

  get oldRSs(): Obj[] {
    const n = this.newRS;
    return this.rss.filter((rs) => rs !== n);
  }

  get deployment(): Obj {
    return this.d;
  }

  /** The new ReplicaSet, its revision brought up to date; created (with `replicas`) when asked and missing. */
  async ensureNewRS(create: boolean, initialReplicas: () => number): Promise<Obj | undefined> {
    const existing = this.newRS;
    const revision = maxRevision(this.oldRSs) + 1;
    if (existing !== undefined) {
      if (revisionOf(existing) < revision) {
        const annotations = { ...existing.metadata?.annotations, ...copiedAnnotations(this.d), [REVISION_ANNOTATION]: String(revision) };
        this.replace(await this.deps.replicaSets.update(ns(existing), name(existing), { ...existing, metadata: { ...existing.metadata, annotations } }));
      }
      await this.setDeploymentRevision(String(Math.max(revision, revisionOf(this.newRS as Obj))));
      return this.newRS;
    }
    if (!create) return undefined;
    const collisionCount = Number((this.d.status as { collisionCount?: number } | undefined)?.collisionCount ?? 0);
    const template = structuredClone(specOf(this.d).template ?? {}) as PodTemplate;
    const hash = computeHash(template, collisionCount);
    template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [POD_TEMPLATE_HASH_LABEL]: hash } };
    const selector = structuredClone((specOf(this.d).selector ?? {}) as { matchLabels?: Record<string, string> });
    selector.matchLabels = { ...selector.matchLabels, [POD_TEMPLATE_HASH_LABEL]: hash };
    const replicas = initialReplicas();
    const rs: Obj = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${name(this.d)}-${hash}`,
        namespace: ns(this.d),
        labels: template.metadata.labels,
        annotations: {
          ...copiedAnnotations(this.d),
          [REVISION_ANNOTATION]: String(revision),
          [DESIRED_REPLICAS_ANNOTATION]: String(replicasOf(this.d)),
          [MAX_REPLICAS_ANNOTATION]: String(replicasOf(this.d) + maxSurge(this.d)),
        },
        ownerReferences: [newControllerRef(this.d, 'apps/v1', 'Deployment')],
      },
      spec: { replicas, minReadySeconds: specOf(this.d).minReadySeconds ?? 0, selector, template },
    };
    let created: Obj;
    try {
      created = await this.deps.replicaSets.create(ns(this.d), rs);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const clash = await this.deps.replicaSets.get(ns(this.d), name(rs));
      const ours = (clash.metadata?.ownerReferences as { uid?: string }[] | undefined)?.some((r) => r.uid === this.d.metadata?.uid);
      if (ours === true && equalIgnoreHash((clash.spec as { template?: PodTemplate }).template, specOf(this.d).template)) {
        this.replace(clash);
        return clash;
      }
      // A different template hashed to the same name: bump collisionCount so the next sync picks another hash.
      this.d = await this.deps.deployments.updateStatus(ns(this.d), name(this.d), { ...this.d, status: { ...this.d.status, collisionCount: collisionCount + 1 } });
      throw err;
    }
    this.rss.push(created);
    if (replicas > 0) this.deps.events.event(this.d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${name(created)} to ${replicas}`);
    await this.setDeploymentRevision(String(revision));
    return created;
  }

  private async setDeploymentRevision(revision: string): Promise<void> {
    if (this.d.metadata?.annotations?.[REVISION_ANNOTATION] === revision) return;
    const annotations = { ...this.d.metadata?.annotations, [REVISION_ANNOTATION]: revision };
    this.d = await this.deps.deployments.update(ns(this.d), name(this.d), { ...this.d, metadata: { ...this.d.metadata, annotations } });
  }

  /** Sets spec.replicas and the desired/max annotations; returns whether anything changed. */
  async scale(rs: Obj, replicas: number): Promise<boolean> {
    const annotations = { ...rs.metadata?.annotations, [DESIRED_REPLICAS_ANNOTATION]: String(replicasOf(this.d)), [MAX_REPLICAS_ANNOTATION]: String(replicasOf(this.d) + maxSurge(this.d)) };
    const sizeChanged = replicasOf(rs) !== replicas;
    const annotationsChanged = (['desired-replicas', 'max-replicas'] as const).some((k) => rs.metadata?.annotations?.[`deployment.kubernetes.io/${k}`] !== annotations[`deployment.kubernetes.io/${k}`]);
    if (!sizeChanged && !annotationsChanged) return false;
    const updated = await this.deps.replicaSets.update(ns(rs), name(rs), { ...rs, metadata: { ...rs.metadata, annotations }, spec: { ...rs.spec, replicas } });
    this.replace(updated);
    if (sizeChanged) {
      const verb = replicas > replicasOf(rs) ? 'up' : 'down';
      this.deps.events.event(this.d, 'Normal', 'ScalingReplicaSet', `Scaled ${verb} replica set ${name(rs)} to ${replicas}`);
    }
    return sizeChanged;
  }

  private replace(rs: Obj): void {
    this.rss = this.rss.map((r) => (r.metadata?.uid === rs.metadata?.uid ? rs : r));
  }

  /** RollingUpdate: how many replicas the new ReplicaSet may have now (within maxSurge of the total). */
  newRSReplicasRolling(newRS: Obj | undefined): number {
    const current = newRS === undefined ? 0 : replicasOf(newRS);
    const total = sumSpecReplicas(this.rss);
    const maxTotal = replicasOf(this.d) + maxSurge(this.d);
    if (total >= maxTotal) return current;
    return current + Math.max(0, Math.min(maxTotal - total, replicasOf(this.d) - current));
  }

  async rollRolling(): Promise<void> {
    const newRS = await this.ensureNewRS(true, () => this.newRSReplicasRolling(undefined));
    if (newRS === undefined) return;
    const want = replicasOf(this.d);
    if (replicasOf(newRS) > want) {
      if (await this.scale(newRS, want)) return;
    } else if (replicasOf(newRS) < want) {
      if (await this.scale(newRS, this.newRSReplicasRolling(newRS))) return;
    }
    await this.scaleDownOldRolling();
  }

  private async scaleDownOldRolling(): Promise<void> {
    const newRS = this.newRS;
    const old = sortByCreation(this.oldRSs.filter((rs) => replicasOf(rs) > 0));
    if (old.length === 0 || newRS === undefined) return;
    const minAvailable = replicasOf(this.d) - maxUnavailable(this.d);
    const newUnavailable = replicasOf(newRS) - statusNum(newRS, 'availableReplicas');
    let budget = sumSpecReplicas(this.rss) - minAvailable - newUnavailable;
    if (budget <= 0) return;
    // Unhealthy old pods go first: removing them costs no availability.
    for (const rs of old) {
      if (budget <= 0) break;
      const unhealthy = replicasOf(rs) - statusNum(rs, 'availableReplicas');
      const cut = Math.min(unhealthy, budget);
      if (cut <= 0) continue;
      await this.scale(this.current(rs), replicasOf(rs) - cut);
      budget -= cut;
    }
    let toRemove = sumStatus(this.rss, 'availableReplicas') - minAvailable;
    for (const rs0 of sortByCreation(this.oldRSs.filter((rs) => replicasOf(rs) > 0))) {
      if (toRemove <= 0) break;
      const rs = this.current(rs0);
      const cut = Math.min(replicasOf(rs), toRemove);
      await this.scale(rs, replicasOf(rs) - cut);
      toRemove -= cut;
    }
  }

  private current(rs: Obj): Obj {
    return this.rss.find((r) => r.metadata?.uid === rs.metadata?.uid) ?? rs;
  }

  /** Recreate; `oldPodsRunning` says whether pods of old ReplicaSets still exist. */
  async rollRecreate(oldPodsRunning: (rss: readonly Obj[]) => boolean): Promise<void> {
    await this.ensureNewRS(false, () => 0);
    let scaledDown = false;
    for (const rs of this.oldRSs) if (replicasOf(rs) > 0) scaledDown = (await this.scale(rs, 0)) || scaledDown;
    if (scaledDown || oldPodsRunning(this.oldRSs)) return;
    const newRS = await this.ensureNewRS(true, () => replicasOf(this.d));
    if (newRS !== undefined) await this.scale(newRS, replicasOf(this.d));
  }

  /** Scaling without rolling (paused, or only spec.replicas changed): proportional across active ReplicaSets. */
  async scaleOnly(): Promise<void> {
    const newRS = await this.ensureNewRS(false, () => 0);
    const active = this.rss.filter((rs) => replicasOf(rs) > 0);
    const want = replicasOf(this.d);
    if (active.length <= 1) {
      const target = active[0] ?? newRS;
      if (target !== undefined) await this.scale(target, want);
      return;
    }
    const allowed = want + maxSurge(this.d);
    const total = sumSpecReplicas(active);
    let left = allowed - total;
    if (left === 0) return;
    // Larger ReplicaSets take their share first (newer first on ties), the rounding remainder to the largest.
    const ordered = [...active].sort((a, b) => replicasOf(b) - replicasOf(a) || (b.metadata?.creationTimestamp ?? '').localeCompare(a.metadata?.creationTimestamp ?? ''));
    const sizes = new Map(ordered.map((rs) => [rs, replicasOf(rs)]));
    const diff = left;
    for (const rs of ordered) {
      if (left === 0) break;
      const share = Math.trunc((replicasOf(rs) * diff) / total);
      const step = diff > 0 ? Math.min(share, left) : Math.max(share, left);
      sizes.set(rs, Math.max(0, replicasOf(rs) + step));
      left -= step;
    }
    if (left !== 0) sizes.set(ordered[0], Math.max(0, (sizes.get(ordered[0]) ?? 0) + left));
    for (const [rs, size] of sizes) await this.scale(rs, size);
  }

  /** Deletes the oldest fully scaled-down ReplicaSets beyond revisionHistoryLimit. */
  async cleanup(): Promise<void> {
    const limit = specOf(this.d).revisionHistoryLimit ?? 10;
    const newRS = this.newRS;
    const dead = this.oldRSs.filter((rs) => rs !== newRS && replicasOf(rs) === 0 && statusNum(rs, 'replicas') === 0 && rs.metadata?.deletionTimestamp === undefined);
    const excess = dead.length - limit;
    if (excess <= 0) return;
    const doomed = [...dead].sort((a, b) => revisionOf(a) - revisionOf(b) || (a.metadata?.creationTimestamp ?? '').localeCompare(b.metadata?.creationTimestamp ?? '')).slice(0, excess);
    for (const rs of doomed) {
      try {
        await this.deps.replicaSets.delete(ns(rs), name(rs));
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      this.rss = this.rss.filter((r) => r !== rs);
    }
  }
}

const ns = (o: KubeObject): string => o.metadata?.namespace ?? '';
const name = (o: KubeObject): string => o.metadata?.name ?? '';
