// The rolling-update arithmetic against an in-memory ReplicaSet store: each pass scales within maxSurge and
// maxUnavailable as Kubernetes does, and Recreate waits for old pods before creating the new ReplicaSet.
import { describe, expect, it } from 'vitest';
import type { ResourceClient } from '../client/resource-client.ts';
import { RecordingEventSink } from './common/events.ts';
import { DeploymentRollout } from './deployment-rollout.ts';
import { REVISION_ANNOTATION, type Obj } from './deployment-util.ts';

class FakeReplicaSets {
  readonly byName = new Map<string, Obj>();
  private seq = 0;
  create = async (_ns: string, rs: Obj): Promise<Obj> => {
    const stored = { ...structuredClone(rs), metadata: { ...rs.metadata, uid: `uid-${++this.seq}`, creationTimestamp: `2026-01-01T00:00:${String(this.seq).padStart(2, '0')}Z` }, status: {} };
    this.byName.set(stored.metadata.name ?? '', stored);
    return stored;
  };
  update = async (_ns: string, name: string, rs: Obj): Promise<Obj> => {
    this.byName.set(name, structuredClone(rs));
    return rs;
  };
  /** Pretends every pod of every ReplicaSet exists and is available (or only `available` of the named one). */
  settle(available: Record<string, number> = {}): void {
    for (const [name, rs] of this.byName) {
      const n = Number(rs.spec?.replicas ?? 0);
      rs.status = { replicas: n, readyReplicas: available[name] ?? n, availableReplicas: available[name] ?? n };
    }
  }
}

function deployment(image: string, strategy: Record<string, unknown>): Obj {
  return {
    metadata: { name: 'd', namespace: 'ns', uid: 'd-uid', generation: 2, annotations: {} },
    spec: { replicas: 10, selector: { matchLabels: { app: 'd' } }, strategy, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image }] } } },
  };
}

async function setup(strategy: Record<string, unknown>): Promise<{ rss: FakeReplicaSets; rollout: (d: Obj) => DeploymentRollout; d: Obj }> {
  const rss = new FakeReplicaSets();
  const deployments = { update: async (_ns: string, _n: string, d: Obj) => d, updateStatus: async (_ns: string, _n: string, d: Obj) => d };
  const deps = { replicaSets: rss as unknown as ResourceClient<Obj>, deployments: deployments as unknown as ResourceClient<Obj>, events: new RecordingEventSink() };
  const rollout = (d: Obj): DeploymentRollout => new DeploymentRollout(d, [...rss.byName.values()], deps);
  // Revision 1 fully rolled out.
  const d1 = deployment('v1', strategy);
  await rollout(d1).rollRolling();
  rss.settle();
  return { rss, rollout, d: deployment('v2', strategy) };
}

const sizes = (rss: FakeReplicaSets): number[] => [...rss.byName.values()].map((rs) => Number(rs.spec?.replicas));

describe('RollingUpdate', () => {
  it('surges by maxSurge (rounded up), removes old pods within maxUnavailable (rounded down)', async () => {
    // 10 replicas, 25 %: maxSurge 3, maxUnavailable 2.
    const { rss, rollout, d } = await setup({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
    expect(sizes(rss)).toEqual([10]);
    // One pass: the new ReplicaSet gets the surge (13 − 10 = 3) and, its pods not yet available, the old one may
    // lose only what keeps 10 − 2 = 8 available.
    await rollout(d).rollRolling();
    expect(sizes(rss)).toEqual([8, 3]);
    const newName = [...rss.byName.keys()][1];
    expect(rss.byName.get(newName)?.metadata?.annotations?.[REVISION_ANNOTATION]).toBe('2');
    rss.settle({ [newName]: 0 });
    await rollout(d).rollRolling();
    expect(sizes(rss)).toEqual([8, 5]);
    // Total at 13 and 5 new pods unavailable: nothing more may go.
    rss.settle({ [newName]: 0 });
    await rollout(d).rollRolling();
    expect(sizes(rss)).toEqual([8, 5]);
    for (let i = 0; i < 10; i++) {
      rss.settle();
      await rollout(d).rollRolling();
    }
    expect(sizes(rss)).toEqual([0, 10]);
  });

  it('maxSurge 0: never more than replicas; removes first, then adds', async () => {
    const { rss, rollout, d } = await setup({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 3 } });
    await rollout(d).rollRolling();
    expect(sizes(rss)).toEqual([7, 0]);
    rss.settle();
    await rollout(d).rollRolling();
    expect(sizes(rss)).toEqual([7, 3]);
    const newName = [...rss.byName.keys()][1];
    rss.settle({ [newName]: 0 });
    await rollout(d).rollRolling();
    expect(sizes(rss)).toEqual([7, 3]);
  });
});

describe('Recreate', () => {
  it('scales old to zero, waits for their pods, then creates the new ReplicaSet at full size', async () => {
    const { rss, rollout, d } = await setup({ type: 'Recreate' });
    await rollout(d).rollRecreate(() => true);
    expect(sizes(rss)).toEqual([0]);
    await rollout(d).rollRecreate(() => true);
    expect(sizes(rss)).toEqual([0]);
    await rollout(d).rollRecreate(() => false);
    expect(sizes(rss)).toEqual([0, 10]);
  });
});
