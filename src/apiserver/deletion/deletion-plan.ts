// What a DELETE does to one object, decided from the object and the DeleteOptions, as kube-apiserver's generic store
// does: graceful deletion for pods, finalizers (incl. the ones propagationPolicy adds) keeping the object with a
// deletionTimestamp, otherwise removal. Pure: the clock is passed in.
import { deepClone, type KubeObject } from '../types.ts';

export interface DeletionRequest {
  gracePeriodSeconds?: number;
  propagationPolicy?: string;
}

export type DeletionPlan = { action: 'delete' } | { action: 'update'; next: KubeObject };

export const ORPHAN_FINALIZER = 'orphan';
export const FOREGROUND_FINALIZER = 'foregroundDeletion';
const DEFAULT_POD_GRACE_SECONDS = 30;

export interface DeletedResource {
  group: string;
  resource: string;
}

function isPod(r: DeletedResource): boolean {
  return r.group === '' && r.resource === 'pods';
}

/** Grace period for this deletion: pods on a node get one; unbound or finished pods and all other kinds go at once. */
export function gracePeriodFor(r: DeletedResource, obj: KubeObject, request: DeletionRequest): number {
  if (!isPod(r)) return 0;
  const spec = (obj.spec ?? {}) as { nodeName?: string; terminationGracePeriodSeconds?: number };
  const phase = ((obj.status ?? {}) as { phase?: string }).phase;
  if ((spec.nodeName ?? '') === '' || phase === 'Failed' || phase === 'Succeeded') return 0;
  const requested = request.gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? DEFAULT_POD_GRACE_SECONDS;
  return Math.max(0, Math.floor(requested));
}

/** Finalizers after applying propagationPolicy: Orphan and Foreground each add theirs and drop the other's. */
export function finalizersFor(obj: KubeObject, policy: string | undefined): string[] {
  const current = [...(obj.metadata?.finalizers ?? [])];
  if (policy === undefined) return current;
  const without = current.filter((f) => f !== ORPHAN_FINALIZER && f !== FOREGROUND_FINALIZER);
  if (policy === 'Orphan') return [...without, ORPHAN_FINALIZER];
  if (policy === 'Foreground') return [...without, FOREGROUND_FINALIZER];
  return without;
}

export function timestampAfter(nowMs: number, seconds: number): string {
  return new Date(nowMs + seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function planDeletion(r: DeletedResource, current: KubeObject, request: DeletionRequest, nowMs: number): DeletionPlan {
  const meta = current.metadata ?? {};
  const finalizers = finalizersFor(current, request.propagationPolicy);
  const grace = gracePeriodFor(r, current, request);
  const alreadyDeleting = meta.deletionTimestamp !== undefined;
  const currentGrace = typeof meta.deletionGracePeriodSeconds === 'number' ? meta.deletionGracePeriodSeconds : 0;
  if (grace === 0 && finalizers.length === 0) return { action: 'delete' };
  const next = deepClone(current);
  const nextMeta = { ...(next.metadata ?? {}) };
  if (finalizers.length > 0) nextMeta.finalizers = finalizers;
  else delete nextMeta.finalizers;
  // A second DELETE may only shorten the grace period, never extend it.
  if (!alreadyDeleting || grace < currentGrace) {
    nextMeta.deletionTimestamp = timestampAfter(nowMs, grace);
    nextMeta.deletionGracePeriodSeconds = grace;
  }
  next.metadata = nextMeta;
  return { action: 'update', next };
}

/**
 * After an update: an object being deleted whose last finalizer is gone and whose grace period is over (0) is
 * removed, as the generic store does on update.
 */
export function shouldDeleteAfterUpdate(obj: KubeObject, extraFinalizers: readonly string[] = []): boolean {
  const meta = obj.metadata ?? {};
  return meta.deletionTimestamp !== undefined && (meta.finalizers ?? []).length === 0 && extraFinalizers.length === 0 && (meta.deletionGracePeriodSeconds ?? 0) === 0;
}

/** Upstream's rule: once an object is being deleted, finalizers may only be removed. */
export function newFinalizersWhileDeleting(next: KubeObject, old: KubeObject): string[] {
  if (old.metadata?.deletionTimestamp === undefined) return [];
  const before = new Set(old.metadata.finalizers ?? []);
  return (next.metadata?.finalizers ?? []).filter((f) => !before.has(f));
}
