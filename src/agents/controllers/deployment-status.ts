// A Deployment's status from its ReplicaSets, and its conditions: Available (enough pods available against
// maxUnavailable) and Progressing (NewReplicaSetAvailable when done, ReplicaSetUpdated while pods move,
// ProgressDeadlineExceeded once progressDeadlineSeconds pass without progress, DeploymentPaused/Resumed).
import { jsonEqual } from './common/hash.ts';
import { maxUnavailable, replicasOf, specOf, statusNum, sumStatus, type Obj } from './deployment-util.ts';

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastUpdateTime: string;
  lastTransitionTime: string;
}

export interface DeploymentStatus {
  observedGeneration: number;
  replicas: number;
  updatedReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
  unavailableReplicas: number;
  conditions: Condition[];
  collisionCount?: number;
}

const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

export function conditionOf(status: { conditions?: Condition[] } | undefined, type: string): Condition | undefined {
  return (status?.conditions ?? []).find((c) => c.type === type);
}

/** Sets a condition; lastTransitionTime moves only when the status changes, as Kubernetes' SetDeploymentCondition. */
export function setCondition(conditions: Condition[], next: Omit<Condition, 'lastUpdateTime' | 'lastTransitionTime'>, nowMs: number): Condition[] {
  const current = conditions.find((c) => c.type === next.type);
  if (current !== undefined && current.status === next.status && current.reason === next.reason) return conditions;
  const now = rfc3339(nowMs);
  const transition = current !== undefined && current.status === next.status ? current.lastTransitionTime : now;
  return [...conditions.filter((c) => c.type !== next.type), { ...next, lastUpdateTime: now, lastTransitionTime: transition }];
}

export function calculateStatus(d: Obj, all: readonly Obj[], newRS: Obj | undefined, nowMs: number): DeploymentStatus {
  const old = (d.status ?? {}) as Partial<DeploymentStatus>;
  const available = sumStatus(all, 'availableReplicas');
  const status: DeploymentStatus = {
    observedGeneration: d.metadata?.generation ?? 0,
    replicas: sumStatus(all, 'replicas'),
    updatedReplicas: newRS === undefined ? 0 : statusNum(newRS, 'replicas'),
    readyReplicas: sumStatus(all, 'readyReplicas'),
    availableReplicas: available,
    // Counted against the desired total, as Kubernetes does.
    unavailableReplicas: Math.max(0, replicasOf(d) - available),
    conditions: [...(old.conditions ?? [])],
  };
  if (old.collisionCount !== undefined) status.collisionCount = old.collisionCount;
  status.conditions =
    available >= replicasOf(d) - maxUnavailable(d)
      ? setCondition(status.conditions, { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }, nowMs)
      : setCondition(status.conditions, { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' }, nowMs);
  return status;
}

export function isComplete(d: Obj, s: DeploymentStatus): boolean {
  const n = replicasOf(d);
  return s.updatedReplicas === n && s.replicas === n && s.availableReplicas === n && s.observedGeneration >= (d.metadata?.generation ?? 0);
}

/** Progress since the status last written: more updated, ready or available pods, or fewer old ones. */
export function isProgressing(d: Obj, s: DeploymentStatus): boolean {
  const old = (d.status ?? {}) as Partial<DeploymentStatus>;
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = s.replicas - s.updatedReplicas;
  return s.updatedReplicas > (old.updatedReplicas ?? 0) || newOld < oldOld || s.readyReplicas > (old.readyReplicas ?? 0) || s.availableReplicas > (old.availableReplicas ?? 0);
}

export const hasProgressDeadline = (d: Obj): boolean => specOf(d).progressDeadlineSeconds !== undefined && specOf(d).progressDeadlineSeconds !== 2147483647;

/** ms until the Progressing condition would time out (≤ 0: timed out); undefined when it cannot. */
export function msUntilTimeout(d: Obj, status: { conditions?: Condition[] }, nowMs: number): number | undefined {
  const cond = conditionOf(status, 'Progressing');
  if (!hasProgressDeadline(d) || cond === undefined || cond.reason === 'NewReplicaSetAvailable' || cond.reason === 'ProgressDeadlineExceeded' || cond.status !== 'True') return undefined;
  return Date.parse(cond.lastUpdateTime) + (specOf(d).progressDeadlineSeconds ?? 600) * 1000 - nowMs;
}

/** Progressing from the rollout's state (called by rollouts, not by scaling or paused syncs). */
export function withProgressCondition(d: Obj, s: DeploymentStatus, newRS: Obj | undefined, nowMs: number): DeploymentStatus {
  if (!hasProgressDeadline(d)) return { ...s, conditions: s.conditions.filter((c) => c.type !== 'Progressing') };
  const rsName = newRS?.metadata?.name ?? '';
  const current = conditionOf(s, 'Progressing');
  let conditions = s.conditions;
  if (current?.reason === 'DeploymentPaused') return s;
  if (isComplete(d, s)) {
    conditions = setCondition(conditions, { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${rsName}" has successfully progressed.` }, nowMs);
  } else if (isProgressing(d, s) || current === undefined || current.reason === 'NewReplicaSetAvailable' || current.reason === 'DeploymentResumed') {
    // Progress (or a new rollout) restarts the deadline: lastUpdateTime moves even when the reason stays.
    const now = rfc3339(nowMs);
    const next: Condition = { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${rsName}" is progressing.`, lastUpdateTime: now, lastTransitionTime: current?.status === 'True' ? current.lastTransitionTime : now };
    conditions = [...conditions.filter((c) => c.type !== 'Progressing'), next];
  } else if ((msUntilTimeout(d, s, nowMs) ?? 1) <= 0) {
    conditions = setCondition(conditions, { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${rsName}" has timed out progressing.` }, nowMs);
  }
  return { ...s, conditions };
}

export function sameStatus(a: unknown, b: DeploymentStatus): boolean {
  return jsonEqual(a ?? {}, b);
}
