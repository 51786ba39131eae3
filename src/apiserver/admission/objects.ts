// What admission rules may read and write of other resources on this apiserver, as kube-apiserver's plug-ins use
// their listers and clients. The registry provides it (rest/registry.ts); rules never see registries or the store.
import type { KubeObject } from '../types.ts';

export interface AdmissionObjects {
  /**
   * A resource's objects in `namespace` ('' = all), from the watch cache once it has caught up with this apiserver's
   * own writes to the resource, from the store otherwise. Undefined when the resource is not served.
   */
  list(group: string, resource: string, namespace: string): Promise<KubeObject[] | undefined>;
  /** The same from the store: after a conflict, when the cache is known to be behind. */
  listFresh(group: string, resource: string, namespace: string): Promise<KubeObject[] | undefined>;
  /** One object as `list` would see it; null when it does not exist, undefined when the resource is not served. */
  get(group: string, resource: string, namespace: string, name: string): Promise<KubeObject | null | undefined>;
  /** Replaces the object's status, conditional on its metadata.resourceVersion (a 409 Conflict otherwise). */
  writeStatus(group: string, resource: string, obj: KubeObject): Promise<KubeObject>;
}

/** The resource a request is about, as admission errors name it. */
export interface AdmissionTarget {
  group: string;
  resource: string;
  namespaced: boolean;
}
