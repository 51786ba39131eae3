// The garbage collector over ownerReferences, as Kubernetes': an object whose owners are all gone is deleted
// (background: its own dependents follow the same way). An owner being deleted in the foreground (deletionTimestamp
// and the foregroundDeletion finalizer, added by the apiserver for propagationPolicy=Foreground) has its
// dependents deleted first — those with blockOwnerDeletion in the foreground too — and loses the finalizer once no
// blocking dependent is left. An owner deleted with the orphan finalizer has its ownerReference removed from every
// dependent, then loses the finalizer. Dangling references beside a live owner are removed.
//
// Existence of an owner is decided from the graph when the owner was observed, else by reading it: a 404 or a
// different uid under that name makes the reference dangling.
import type { KubeObject } from '../../apiserver/index.ts';
import { isConflict, isNotFound, type SharedInformer } from '../client/index.ts';
import type { ControllerContext, ControllerDescriptor } from './common/controller-context.ts';
import { isDeleting } from './common/controller-ref.ts';
import { QueueController, type ReconcileResult } from './common/queue-controller.ts';
import { GcGraph, type GraphNode, type OwnerRef } from './garbage-collector-graph.ts';
import { GC_KINDS, gcKindOf, type GcKind } from './garbage-collector-kinds.ts';

export const ORPHAN_FINALIZER = 'orphan';
export const FOREGROUND_FINALIZER = 'foregroundDeletion';

type OwnerState = 'solid' | 'dangling' | 'waiting';

const finalizers = (obj: KubeObject): string[] => obj.metadata?.finalizers ?? [];

export class GarbageCollector extends QueueController {
  readonly graph = new GcGraph();
  private readonly informers: SharedInformer[] = [];

  constructor(ctx: ControllerContext, kinds: readonly GcKind[] = GC_KINDS) {
    super('garbagecollector', ctx);
    for (const kind of kinds) {
      const informer = ctx.informers.informer(kind.ref);
      this.informers.push(informer);
      informer.addEventHandler({
        onAdd: (o) => this.observed(o, kind),
        onUpdate: (_, o) => this.observed(o, kind),
        onDelete: (o) => {
          const { dependents, owners } = this.graph.remove(o);
          for (const uid of [...dependents, ...owners]) this.enqueue(uid);
        },
      });
    }
  }

  private observed(obj: KubeObject, kind: GcKind): void {
    const uid = obj.metadata?.uid ?? '';
    if (uid === '') return;
    const touched = this.graph.upsert(obj, kind);
    for (const o of touched) this.enqueue(o);
    if (this.graph.get(uid)?.owners.length !== 0 || (isDeleting(obj) && finalizers(obj).some((f) => f === ORPHAN_FINALIZER || f === FOREGROUND_FINALIZER))) this.enqueue(uid);
    // A dependent may be waiting on this object's fate (it started deleting in the foreground, say).
    if (isDeleting(obj)) for (const d of this.graph.dependentsOf(uid)) this.enqueue(d.uid);
  }

  protected async reconcile(uid: string): Promise<ReconcileResult | void> {
    const node = this.graph.get(uid);
    if (node === undefined || node.object === null || node.kind === null) return;
    const obj = node.object;
    if (isDeleting(obj)) {
      if (finalizers(obj).includes(ORPHAN_FINALIZER)) return this.orphanDependents(node);
      if (finalizers(obj).includes(FOREGROUND_FINALIZER)) return this.deleteDependentsFirst(node);
    }
    if (node.owners.length > 0 && !isDeleting(obj)) await this.attemptToDelete(node);
  }

  private async attemptToDelete(node: GraphNode): Promise<void> {
    const obj = node.object as KubeObject;
    const states = new Map<string, OwnerState>();
    for (const ref of node.owners) states.set(ref.uid, await this.ownerState(ref, obj));
    const solid = node.owners.filter((r) => states.get(r.uid) === 'solid');
    const dangling = node.owners.filter((r) => states.get(r.uid) === 'dangling');
    const waiting = node.owners.filter((r) => states.get(r.uid) === 'waiting');
    if (solid.length > 0) {
      if (dangling.length > 0) await this.removeOwnerRefs(node, dangling.map((r) => r.uid));
      return;
    }
    // Owners waiting for their dependents to go: go in the foreground so our own dependents go before us.
    const policy = waiting.some((r) => r.blockOwnerDeletion === true) ? 'Foreground' : 'Background';
    this.log.info({ object: describe(node), owners: node.owners.map((r) => `${r.kind}/${r.name}`), policy }, 'deleting an object whose owners are gone or going');
    await this.deleteObject(node, policy);
  }

  private async ownerState(ref: OwnerRef, dependent: KubeObject): Promise<OwnerState> {
    const seen = this.graph.get(ref.uid);
    let owner: KubeObject | null = seen?.object ?? null;
    if (owner === null) {
      const kind = gcKindOf(ref.apiVersion, ref.kind);
      if (kind === undefined) return 'solid'; // A kind we cannot read: never delete on its account.
      try {
        owner = await this.ctx.api.resource<KubeObject>(kind.ref).get(kind.namespaced ? (dependent.metadata?.namespace ?? '') : '', ref.name);
      } catch (err) {
        if (isNotFound(err)) return 'dangling';
        throw err;
      }
      if (owner.metadata?.uid !== ref.uid) return 'dangling';
    }
    if (isDeleting(owner) && finalizers(owner).includes(FOREGROUND_FINALIZER)) return 'waiting';
    return 'solid';
  }

  private async deleteDependentsFirst(node: GraphNode): Promise<ReconcileResult | void> {
    const dependents = this.graph.dependentsOf(node.uid);
    const blocking = dependents.filter((d) => d.owners.some((r) => r.uid === node.uid && r.blockOwnerDeletion === true));
    for (const d of dependents) {
      if (isDeleting(d.object as KubeObject)) continue;
      const blocks = blocking.includes(d);
      // A dependent with other live owners only loses its reference to this owner.
      const others = d.owners.filter((r) => r.uid !== node.uid);
      const othersLive = (await Promise.all(others.map((r) => this.ownerState(r, d.object as KubeObject)))).some((s) => s === 'solid');
      if (othersLive) await this.removeOwnerRefs(d, [node.uid]);
      else await this.deleteObject(d, blocks ? 'Foreground' : 'Background');
    }
    if (blocking.length > 0) return { requeueAfterMs: 1_000 };
    await this.removeFinalizer(node, FOREGROUND_FINALIZER);
  }

  private async orphanDependents(node: GraphNode): Promise<void> {
    for (const d of this.graph.dependentsOf(node.uid)) await this.removeOwnerRefs(d, [node.uid]);
    await this.removeFinalizer(node, ORPHAN_FINALIZER);
  }

  private async deleteObject(node: GraphNode, propagationPolicy: 'Foreground' | 'Background'): Promise<void> {
    const obj = node.object as KubeObject;
    try {
      await this.ctx.api.resource<KubeObject>((node.kind as GcKind).ref).delete(obj.metadata?.namespace ?? '', obj.metadata?.name ?? '', { propagationPolicy, preconditions: { uid: node.uid } });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  private async removeOwnerRefs(node: GraphNode, ownerUids: readonly string[]): Promise<void> {
    const obj = node.object as KubeObject;
    const patch = { metadata: { uid: node.uid, ownerReferences: ownerUids.map((uid) => ({ $patch: 'delete', uid })) } };
    try {
      await this.ctx.api.resource<KubeObject>((node.kind as GcKind).ref).patch(obj.metadata?.namespace ?? '', obj.metadata?.name ?? '', 'strategic', patch);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async removeFinalizer(node: GraphNode, finalizer: string): Promise<void> {
    const obj = node.object as KubeObject;
    const next: KubeObject = { ...obj, metadata: { ...obj.metadata, finalizers: finalizers(obj).filter((f) => f !== finalizer) } };
    try {
      await this.ctx.api.resource<KubeObject>((node.kind as GcKind).ref).update(obj.metadata?.namespace ?? '', obj.metadata?.name ?? '', next);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

function describe(node: GraphNode): string {
  const m = node.object?.metadata;
  return `${node.kind?.kind ?? '?'} ${m?.namespace ? `${m.namespace}/` : ''}${m?.name ?? node.uid}`;
}

export const garbageCollectorController: ControllerDescriptor = {
  name: 'garbagecollector',
  create: (ctx) => new GarbageCollector(ctx),
};
