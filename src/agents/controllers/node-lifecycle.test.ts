// Node health, taints and NoExecute eviction times.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../apiserver/index.ts';
import { evictionTime } from './node-lifecycle-eviction.ts';
import { desiredTaints, observe, unknownStatus } from './node-lifecycle-health.ts';

describe('node health', () => {
  const node = (ready: string | null, taints: unknown[] = []): KubeObject => ({
    metadata: { name: 'n' },
    spec: { taints },
    status: { conditions: ready === null ? [] : [{ type: 'Ready', status: ready, lastHeartbeatTime: 'h1' }, { type: 'MemoryPressure', status: 'False' }] },
  });

  it('restarts the silence clock only when the heartbeat or lease changes', () => {
    const p1 = observe(undefined, node('True'), { spec: { renewTime: 'r1' } }, 1000);
    expect(observe(p1, node('True'), { spec: { renewTime: 'r1' } }, 5000).observedMs).toBe(1000);
    expect(observe(p1, node('True'), { spec: { renewTime: 'r2' } }, 5000).observedMs).toBe(5000);
  });

  it('marks kubelet conditions Unknown, once', () => {
    const status = unknownStatus(node('True'), 'T') as { conditions: Record<string, unknown>[] };
    expect(status.conditions).toEqual([
      { type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastHeartbeatTime: 'h1', lastTransitionTime: 'T' },
      { type: 'MemoryPressure', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: 'T' },
    ]);
    expect(unknownStatus({ status: { conditions: status.conditions } }, 'T2')).toBeNull();
    expect((unknownStatus(node(null), 'T') as { conditions: unknown[] }).conditions).toEqual([{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastHeartbeatTime: 'T', lastTransitionTime: 'T' }]);
  });

  it('taints follow Ready: unreachable for Unknown, not-ready for False, none for True; other taints kept', () => {
    const other = { key: 'x', effect: 'NoSchedule' };
    expect(desiredTaints(node('Unknown', [other]), 'T')).toEqual([other, { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }, { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: 'T' }]);
    const unreachable = desiredTaints(node('Unknown'), 'T');
    expect(desiredTaints(node('Unknown', unreachable), 'T2')).toEqual(unreachable);
    expect(desiredTaints(node('False', unreachable), 'T').map((t) => `${t.key}:${t.effect}`)).toEqual(['node.kubernetes.io/not-ready:NoSchedule', 'node.kubernetes.io/not-ready:NoExecute']);
    expect(desiredTaints(node('True', [...unreachable, other]), 'T')).toEqual([other]);
    expect(desiredTaints(node(null, [other]), 'T')).toEqual([other]);
  });
});

describe('NoExecute eviction', () => {
  const tainted: KubeObject = { spec: { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: '2026-01-01T00:00:00Z' }] } };
  const at = Date.parse('2026-01-01T00:00:00Z');
  const withTolerations = (tolerations: unknown[]): KubeObject => ({ spec: { tolerations } });
  it('evicts at once without a toleration, after the smallest tolerationSeconds with some, never without a limit', () => {
    expect(evictionTime(withTolerations([]), tainted, at + 5)).toBe(at + 5);
    expect(evictionTime(withTolerations([{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }, { operator: 'Exists', tolerationSeconds: 30 }]), tainted, at)).toBe(at + 30_000);
    expect(evictionTime(withTolerations([{ operator: 'Exists' }]), tainted, at)).toBeNull();
    expect(evictionTime(withTolerations([]), { spec: { taints: [{ key: 'a', effect: 'NoSchedule' }] } }, at)).toBeNull();
  });
});
