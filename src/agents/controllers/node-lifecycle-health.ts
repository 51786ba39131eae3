// The node lifecycle controller's pure decisions. A node is healthy while its kubelet keeps changing either the
// Ready condition's lastHeartbeatTime or its Lease's renewTime in kube-node-lease; silence is measured on this
// controller's own clock from the last change it saw (never by comparing the node's timestamps with local time).
// After the grace period its conditions turn Unknown, and its Ready status decides the NoExecute/NoSchedule taints:
// not-ready for False, unreachable for Unknown, none for True.
import type { KubeObject } from '../../apiserver/index.ts';
import { arr, o, str } from '../../apiserver/resources/values.ts';

export const UNREACHABLE_TAINT = 'node.kubernetes.io/unreachable';
export const NOT_READY_TAINT = 'node.kubernetes.io/not-ready';
export const STOPPED_POSTING = 'Kubelet stopped posting node status.';
export const NEVER_POSTED = 'Kubelet never posted node status.';
const KUBELET_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

export interface Probe {
  heartbeat: string;
  renewTime: string;
  /** Local time the heartbeat or lease last changed (or was first seen). */
  observedMs: number;
}

/** The probe after looking at the node and its lease now. */
export function observe(previous: Probe | undefined, node: KubeObject, lease: KubeObject | undefined, nowMs: number): Probe {
  const heartbeat = str(readyCondition(node)?.lastHeartbeatTime);
  const renewTime = str(o(lease?.spec).renewTime);
  if (previous !== undefined && previous.heartbeat === heartbeat && previous.renewTime === renewTime) return previous;
  return { heartbeat, renewTime, observedMs: nowMs };
}

export function readyCondition(node: KubeObject): Record<string, unknown> | undefined {
  return arr(o(node.status).conditions).find((c) => c.type === 'Ready');
}

export function readyStatus(node: KubeObject): string {
  return str(readyCondition(node)?.status) || 'Unknown';
}

/** The node's status with every kubelet condition Unknown (null if already so). */
export function unknownStatus(node: KubeObject, nowIso: string): Record<string, unknown> | null {
  const conditions = arr(o(node.status).conditions).map((c) => ({ ...c }));
  let changed = false;
  for (const type of KUBELET_CONDITIONS) {
    const c = conditions.find((x) => x.type === type);
    if (c === undefined) {
      if (type !== 'Ready') continue;
      conditions.push({ type, status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: NEVER_POSTED, lastHeartbeatTime: nowIso, lastTransitionTime: nowIso });
      changed = true;
    } else if (c.status !== 'Unknown') {
      Object.assign(c, { status: 'Unknown', reason: 'NodeStatusUnknown', message: STOPPED_POSTING, lastTransitionTime: nowIso });
      changed = true;
    }
  }
  return changed ? { ...o(node.status), conditions } : null;
}

/** spec.taints as they should be for the node's Ready status (timeAdded kept for taints already there). */
export function desiredTaints(node: KubeObject, nowIso: string): Record<string, unknown>[] {
  const current = arr(o(node.spec).taints);
  // A node that never posted status is left alone until the grace period marks it Unknown.
  if (readyCondition(node) === undefined) return current;
  const managed = (t: Record<string, unknown>): boolean => (t.key === UNREACHABLE_TAINT || t.key === NOT_READY_TAINT) && (t.effect === 'NoExecute' || t.effect === 'NoSchedule');
  const ready = readyStatus(node);
  const key = ready === 'True' ? null : ready === 'False' ? NOT_READY_TAINT : UNREACHABLE_TAINT;
  const out = current.filter((t) => !managed(t) || t.key === key);
  if (key !== null) {
    for (const effect of ['NoSchedule', 'NoExecute']) {
      if (out.some((t) => t.key === key && t.effect === effect)) continue;
      out.push(effect === 'NoExecute' ? { key, effect, timeAdded: nowIso } : { key, effect });
    }
  }
  return out;
}
