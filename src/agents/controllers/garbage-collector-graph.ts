// The garbage collector's dependency graph, by uid: every observed object with its ownerReferences, and for each
// owner (observed or only referenced — a "virtual" node) the uids that name it. Kept up to date from the informers;
// the controller reads it to decide what to delete, orphan or finalize.
import type { KubeObject } from '../../apiserver/index.ts';
import { arr, str } from '../../apiserver/resources/values.ts';
import type { GcKind } from './garbage-collector-kinds.ts';

export interface OwnerRef {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface GraphNode {
  uid: string;
  /** null: only known as someone's owner. */
  object: KubeObject | null;
  kind: GcKind | null;
  owners: OwnerRef[];
  dependents: Set<string>;
}

export function ownerRefsOf(obj: KubeObject): OwnerRef[] {
  return arr(obj.metadata?.ownerReferences).map((r) => ({
    apiVersion: str(r.apiVersion),
    kind: str(r.kind),
    name: str(r.name),
    uid: str(r.uid),
    ...(typeof r.controller === 'boolean' ? { controller: r.controller } : {}),
    ...(typeof r.blockOwnerDeletion === 'boolean' ? { blockOwnerDeletion: r.blockOwnerDeletion } : {}),
  }));
}

export class GcGraph {
  private readonly nodes = new Map<string, GraphNode>();

  get(uid: string): GraphNode | undefined {
    return this.nodes.get(uid);
  }

  /** Records the object; returns the uids of owners it gained or lost (they may need attention). */
  upsert(obj: KubeObject, kind: GcKind): string[] {
    const uid = obj.metadata?.uid ?? '';
    const node = this.nodeFor(uid);
    const before = new Set(node.owners.map((o) => o.uid));
    node.object = obj;
    node.kind = kind;
    node.owners = ownerRefsOf(obj);
    const after = new Set(node.owners.map((o) => o.uid));
    const touched: string[] = [];
    for (const o of before) {
      if (after.has(o)) continue;
      this.unlink(o, uid);
      touched.push(o);
    }
    for (const o of after) {
      if (before.has(o)) continue;
      this.nodeFor(o).dependents.add(uid);
      touched.push(o);
    }
    return touched;
  }

  /** The object is gone: returns its dependents and owners (both need another look). */
  remove(obj: KubeObject): { dependents: string[]; owners: string[] } {
    const uid = obj.metadata?.uid ?? '';
    const node = this.nodes.get(uid);
    if (node === undefined) return { dependents: [], owners: [] };
    const owners = node.owners.map((o) => o.uid);
    for (const o of owners) this.unlink(o, uid);
    const dependents = [...node.dependents];
    node.object = null;
    node.kind = null;
    node.owners = [];
    if (node.dependents.size === 0) this.nodes.delete(uid);
    return { dependents, owners };
  }

  /** Observed dependents of `uid`. */
  dependentsOf(uid: string): GraphNode[] {
    return [...(this.nodes.get(uid)?.dependents ?? [])].map((d) => this.nodes.get(d)).filter((n): n is GraphNode => n !== undefined && n.object !== null);
  }

  private nodeFor(uid: string): GraphNode {
    let node = this.nodes.get(uid);
    if (node === undefined) this.nodes.set(uid, (node = { uid, object: null, kind: null, owners: [], dependents: new Set() }));
    return node;
  }

  private unlink(ownerUid: string, dependentUid: string): void {
    const owner = this.nodes.get(ownerUid);
    if (owner === undefined) return;
    owner.dependents.delete(dependentUid);
    if (owner.object === null && owner.dependents.size === 0) this.nodes.delete(ownerUid);
  }
}
