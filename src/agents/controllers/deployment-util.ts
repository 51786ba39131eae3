// Deployment arithmetic as Kubernetes' deployment util: revisions on ReplicaSet annotations, which ReplicaSet is the
// "new" one (its template equals the Deployment's, ignoring pod-template-hash), maxSurge/maxUnavailable resolved
// against replicas (surge rounds up, unavailable down; both zero → unavailable 1), and the annotations a new
// ReplicaSet carries.
import type { KubeObject } from '../../apiserver/index.ts';
import { jsonEqual } from './common/hash.ts';
import type { PodTemplate } from './common/pod-template.ts';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
const NOT_COPIED = new Set([LAST_APPLIED_ANNOTATION, REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION, DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION, 'deprecated.deployment.rollback.to']);

export type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

export interface DeploymentSpec {
  replicas?: number;
  selector?: unknown;
  template?: PodTemplate;
  strategy?: { type?: string; rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string } };
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
  paused?: boolean;
  progressDeadlineSeconds?: number;
}

export const specOf = (d: Obj): DeploymentSpec => (d.spec ?? {}) as DeploymentSpec;
export const replicasOf = (o: Obj): number => ((o.spec as { replicas?: number } | undefined)?.replicas ?? 1);
export const statusNum = (o: Obj, field: string): number => Number((o.status as Record<string, unknown> | undefined)?.[field] ?? 0);

export function revisionOf(rs: Obj): number {
  const v = Number(rs.metadata?.annotations?.[REVISION_ANNOTATION] ?? '0');
  return Number.isFinite(v) ? v : 0;
}

export function maxRevision(rss: readonly Obj[]): number {
  return rss.reduce((max, rs) => Math.max(max, revisionOf(rs)), 0);
}

function withoutHash(template: PodTemplate | undefined): PodTemplate {
  const t = structuredClone(template ?? {});
  if (t.metadata?.labels !== undefined) {
    delete t.metadata.labels[POD_TEMPLATE_HASH_LABEL];
    if (Object.keys(t.metadata.labels).length === 0) delete t.metadata.labels;
  }
  return t;
}

export function equalIgnoreHash(a: PodTemplate | undefined, b: PodTemplate | undefined): boolean {
  return jsonEqual(withoutHash(a), withoutHash(b));
}

const byCreation = (a: Obj, b: Obj): number =>
  (a.metadata?.creationTimestamp ?? '').localeCompare(b.metadata?.creationTimestamp ?? '') || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');

export function sortByCreation(rss: readonly Obj[]): Obj[] {
  return [...rss].sort(byCreation);
}

/** The oldest ReplicaSet whose template equals the Deployment's (several can exist after a hash collision). */
export function findNewReplicaSet(d: Obj, rss: readonly Obj[]): Obj | undefined {
  return sortByCreation(rss).find((rs) => equalIgnoreHash((rs.spec as { template?: PodTemplate }).template, specOf(d).template));
}

function resolveIntOrPercent(value: number | string | undefined, total: number, roundUp: boolean, fallback: string): number {
  const v = value ?? fallback;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (m === null) return Number(v) || 0;
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** [maxSurge, maxUnavailable] for the RollingUpdate strategy. */
export function resolveFenceposts(d: Obj): [number, number] {
  const ru = specOf(d).strategy?.rollingUpdate ?? {};
  const replicas = replicasOf(d);
  const surge = resolveIntOrPercent(ru.maxSurge, replicas, true, '25%');
  let unavailable = resolveIntOrPercent(ru.maxUnavailable, replicas, false, '25%');
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return [surge, unavailable];
}

export const isRollingUpdate = (d: Obj): boolean => (specOf(d).strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';

/** Pods that may be unavailable: 0 for Recreate, else maxUnavailable capped at replicas. */
export function maxUnavailable(d: Obj): number {
  if (!isRollingUpdate(d) || replicasOf(d) === 0) return 0;
  return Math.min(resolveFenceposts(d)[1], replicasOf(d));
}

export function maxSurge(d: Obj): number {
  return isRollingUpdate(d) ? resolveFenceposts(d)[0] : 0;
}

/** The Deployment's annotations a ReplicaSet inherits (change-cause for `rollout history` among them). */
export function copiedAnnotations(d: Obj): Record<string, string> {
  return Object.fromEntries(Object.entries(d.metadata?.annotations ?? {}).filter(([k]) => !NOT_COPIED.has(k)));
}

export const sumSpecReplicas = (rss: readonly Obj[]): number => rss.reduce((n, rs) => n + replicasOf(rs), 0);
export const sumStatus = (rss: readonly Obj[], field: string): number => rss.reduce((n, rs) => n + statusNum(rs, field), 0);
