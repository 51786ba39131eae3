// controllerRef: the one ownerReference with controller: true says which controller owns an object. Controllers
// claim objects as client-go's ControllerRefManager does: keep their own that still match, adopt orphans that match
// (never while the owner or the object is being deleted), release their own that no longer match. Adoption and
// release are strategic merge patches keyed by the ownerReference's uid, as Kubernetes sends them.
import type { KubeObject } from '../../../apiserver/index.ts';
import { isNotFound } from '../../client/errors.ts';
import type { ResourceClient } from '../../client/resource-client.ts';

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export function controllerRefOf(obj: KubeObject): OwnerReference | undefined {
  const refs = (obj.metadata?.ownerReferences ?? []) as OwnerReference[];
  return refs.find((r) => r.controller === true);
}

export function newControllerRef(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  const meta = owner.metadata ?? {};
  return { apiVersion, kind, name: meta.name ?? '', uid: meta.uid ?? '', controller: true, blockOwnerDeletion: true };
}

export const isDeleting = (obj: KubeObject): boolean => obj.metadata?.deletionTimestamp !== undefined;

export interface ClaimOptions<T extends KubeObject> {
  owner: KubeObject;
  ownerRef: OwnerReference;
  candidates: readonly T[];
  matches(obj: T): boolean;
  client: ResourceClient<T>;
}

/** The candidates this owner controls after adopting and releasing; adoption/release failures are thrown. */
export async function claimObjects<T extends KubeObject>(o: ClaimOptions<T>): Promise<T[]> {
  const owned: T[] = [];
  const ownerUid = o.ownerRef.uid;
  for (const obj of o.candidates) {
    const ref = controllerRefOf(obj);
    const meta = obj.metadata ?? {};
    if (ref !== undefined) {
      if (ref.uid !== ownerUid) continue;
      if (o.matches(obj)) owned.push(obj);
      else if (!isDeleting(o.owner)) await release(o.client, obj, ownerUid);
      continue;
    }
    if (!o.matches(obj) || isDeleting(o.owner) || isDeleting(obj)) continue;
    const patch = { metadata: { ownerReferences: [o.ownerRef], uid: meta.uid } };
    try {
      owned.push(await o.client.patch(meta.namespace ?? '', meta.name ?? '', 'strategic', patch));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  return owned;
}

async function release<T extends KubeObject>(client: ResourceClient<T>, obj: T, ownerUid: string): Promise<void> {
  const meta = obj.metadata ?? {};
  const patch = { metadata: { ownerReferences: [{ $patch: 'delete', uid: ownerUid }], uid: meta.uid } };
  try {
    await client.patch(meta.namespace ?? '', meta.name ?? '', 'strategic', patch);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
