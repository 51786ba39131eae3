// Namespaces delete in two steps, as in Kubernetes: DELETE marks the namespace Terminating (deletionTimestamp,
// status.phase); once its contents are gone, the `kubernetes` entry of spec.finalizers is removed through the
// finalize subresource, and a namespace with no finalizers left is removed.
import { deepClone, type KubeObject } from '../types.ts';
import { finalizersFor, timestampAfter } from './deletion-plan.ts';

export const NAMESPACE_FINALIZER = 'kubernetes';
/** kube-apiserver's immortal namespaces. */
export const UNDELETABLE_NAMESPACES: ReadonlySet<string> = new Set(['default', 'kube-system', 'kube-public']);
export const NAMESPACE_ALREADY_TERMINATING =
  'The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.';

export function specFinalizers(ns: KubeObject): string[] {
  const spec = (ns.spec ?? {}) as { finalizers?: unknown };
  return Array.isArray(spec.finalizers) ? spec.finalizers.filter((f): f is string => typeof f === 'string') : [];
}

export function isTerminating(ns: KubeObject): boolean {
  return ns.metadata?.deletionTimestamp !== undefined;
}

export type NamespaceDeletionPlan = { action: 'delete' } | { action: 'update'; next: KubeObject } | { action: 'already-terminating' };

export function planNamespaceDeletion(ns: KubeObject, propagationPolicy: string | undefined, nowMs: number): NamespaceDeletionPlan {
  const finalizers = finalizersFor(ns, propagationPolicy);
  if (isTerminating(ns)) {
    if (specFinalizers(ns).length > 0) return { action: 'already-terminating' };
    if (finalizers.length === 0) return { action: 'delete' };
  }
  if (specFinalizers(ns).length === 0 && finalizers.length === 0) return { action: 'delete' };
  const next = deepClone(ns);
  const meta = { ...(next.metadata ?? {}) };
  if (meta.deletionTimestamp === undefined) {
    meta.deletionTimestamp = timestampAfter(nowMs, 0);
    meta.deletionGracePeriodSeconds = 0;
  }
  if (finalizers.length > 0) meta.finalizers = finalizers;
  else delete meta.finalizers;
  next.metadata = meta;
  next.status = { ...((next.status ?? {}) as Record<string, unknown>), phase: 'Terminating' };
  return { action: 'update', next };
}

/** PUT …/finalize: only spec.finalizers changes (kept as [] when emptied, so defaulting does not restore it). */
export function applyFinalize(current: KubeObject, incoming: KubeObject): KubeObject {
  const next = deepClone(current);
  next.spec = { ...((next.spec ?? {}) as Record<string, unknown>), finalizers: specFinalizers(incoming) };
  return next;
}
