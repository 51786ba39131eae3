// The status a ReplicaSet (or ReplicationController) reports for the pods it owns.
import type { KubeObject } from '../../apiserver/index.ts';
import { isPodAvailable, isPodReady } from './common/pods.ts';

export interface ReplicaStatus {
  replicas: number;
  fullyLabeledReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
  observedGeneration: number;
  conditions?: unknown[];
}

export function replicaStatusOf(owner: KubeObject, activePods: readonly KubeObject[], minReadySeconds: number, nowMs: number): ReplicaStatus {
  const templateLabels = ((owner.spec as { template?: { metadata?: { labels?: Record<string, string> } } }).template?.metadata?.labels ?? {}) as Record<string, string>;
  const fullyLabeled = activePods.filter((p) => Object.entries(templateLabels).every(([k, v]) => p.metadata?.labels?.[k] === v));
  const status: ReplicaStatus = {
    replicas: activePods.length,
    fullyLabeledReplicas: fullyLabeled.length,
    readyReplicas: activePods.filter(isPodReady).length,
    availableReplicas: activePods.filter((p) => isPodAvailable(p, minReadySeconds, nowMs)).length,
    observedGeneration: owner.metadata?.generation ?? 0,
  };
  const conditions = (owner.status as { conditions?: unknown[] } | undefined)?.conditions;
  if (conditions !== undefined && conditions.length > 0) status.conditions = conditions;
  return status;
}

export function sameReplicaStatus(a: unknown, b: ReplicaStatus): boolean {
  const s = (a ?? {}) as Partial<ReplicaStatus>;
  return (
    (s.replicas ?? 0) === b.replicas &&
    (s.fullyLabeledReplicas ?? 0) === b.fullyLabeledReplicas &&
    (s.readyReplicas ?? 0) === b.readyReplicas &&
    (s.availableReplicas ?? 0) === b.availableReplicas &&
    (s.observedGeneration ?? 0) === b.observedGeneration
  );
}
