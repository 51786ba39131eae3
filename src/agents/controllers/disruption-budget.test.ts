import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../apiserver/index.ts';
import { BudgetError, budgetOf, countHealthy, DELETION_TIMEOUT_MS, disruptionsAllowed, liveDisruptedPods, needsControllerScale, scaledValue } from './disruption-budget.ts';
import { failSafeStatusOf, pdbStatusOf } from './disruption-status.ts';
import { expectedScaleOf, type ScaleSources } from './disruption-scale.ts';
import type { SharedInformer } from '../client/index.ts';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

function pod(name: string, opts: { ready?: boolean; deleting?: boolean; owner?: { kind: string; apiVersion: string; name: string; uid: string } } = {}): KubeObject {
  return {
    metadata: {
      name,
      namespace: 'ns',
      ...(opts.deleting === true ? { deletionTimestamp: iso(NOW) } : {}),
      ...(opts.owner !== undefined ? { ownerReferences: [{ ...opts.owner, controller: true }] } : {}),
    },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
  };
}

describe('scaledValue: counts as they are, percentages of the total rounded up', () => {
  it.each([
    [2, 10, 2],
    ['50%', 3, 2],
    ['50%', 4, 2],
    ['34%', 3, 2],
    ['33%', 3, 1],
    ['1%', 1, 1],
    ['0%', 5, 0],
    ['100%', 7, 7],
    ['50%', 0, 0],
  ])('%s of %i is %i', (value, total, want) => expect(scaledValue(value, total)).toBe(want));
  it('refuses a string that is not a percentage', () => expect(() => scaledValue('two', 3)).toThrow(BudgetError));
});

describe('budgetOf', () => {
  it('an integer minAvailable counts the pods that exist, not the controllers', () => {
    expect(needsControllerScale({ minAvailable: 2 })).toBe(false);
    expect(budgetOf({ minAvailable: 2 }, 3, 99)).toEqual({ expectedPods: 3, desiredHealthy: 2 });
  });
  it('a percentage minAvailable is of the controllers’ scale, rounded up', () => {
    expect(needsControllerScale({ minAvailable: '50%' })).toBe(true);
    expect(budgetOf({ minAvailable: '50%' }, 2, 5)).toEqual({ expectedPods: 5, desiredHealthy: 3 });
  });
  it('maxUnavailable (count or percentage rounded up) is taken off the scale, never below zero', () => {
    expect(needsControllerScale({ maxUnavailable: 1 })).toBe(true);
    expect(budgetOf({ maxUnavailable: 1 }, 3, 3)).toEqual({ expectedPods: 3, desiredHealthy: 2 });
    expect(budgetOf({ maxUnavailable: '25%' }, 5, 5)).toEqual({ expectedPods: 5, desiredHealthy: 3 });
    expect(budgetOf({ maxUnavailable: 5 }, 2, 2)).toEqual({ expectedPods: 2, desiredHealthy: 0 });
  });
  it('neither bound: nothing expected, nothing required', () => expect(budgetOf({}, 4, 4)).toEqual({ expectedPods: 0, desiredHealthy: 0 }));
});

describe('disruptionsAllowed', () => {
  it('is the healthy surplus, never negative, and zero while no pods are expected', () => {
    expect(disruptionsAllowed(3, { expectedPods: 3, desiredHealthy: 2 })).toBe(1);
    expect(disruptionsAllowed(1, { expectedPods: 3, desiredHealthy: 2 })).toBe(0);
    expect(disruptionsAllowed(3, { expectedPods: 0, desiredHealthy: 0 })).toBe(0);
  });
});

describe('disrupted pods and the healthy count', () => {
  const pods = [pod('a'), pod('b'), pod('c', { ready: false }), pod('d', { deleting: true }), pod('e')];
  it('keeps recent entries of live pods, drops old ones, gone pods and pods being deleted', () => {
    const disrupted = { a: iso(NOW - 10_000), b: iso(NOW - DELETION_TIMEOUT_MS - 1_000), d: iso(NOW), gone: iso(NOW) };
    const live = liveDisruptedPods(pods, disrupted, NOW);
    expect(live.kept).toEqual({ a: iso(NOW - 10_000) });
    expect(live.recheckInMs).toBe(DELETION_TIMEOUT_MS - 10_000);
    expect(liveDisruptedPods(pods, {}, NOW)).toEqual({ kept: {} });
  });
  it('counts ready pods that are neither being deleted nor just evicted', () => {
    expect(countHealthy(pods, {})).toBe(3);
    expect(countHealthy(pods, { a: iso(NOW) })).toBe(2);
  });
});

describe('status', () => {
  const pdb: KubeObject = { metadata: { name: 'web', namespace: 'ns', generation: 2 }, spec: { minAvailable: 2 }, status: { observedGeneration: 1, disruptionsAllowed: 0 } };
  it('writes every field and a DisruptionAllowed condition that flips with the surplus', () => {
    const allowed = pdbStatusOf(pdb, { expectedPods: 3, desiredHealthy: 2, currentHealthy: 3, disruptedPods: {} }, iso(NOW));
    expect(allowed).toEqual({
      observedGeneration: 2,
      disruptionsAllowed: 1,
      currentHealthy: 3,
      desiredHealthy: 2,
      expectedPods: 3,
      conditions: [{ type: 'DisruptionAllowed', status: 'True', observedGeneration: 2, lastTransitionTime: iso(NOW), reason: 'SufficientPods', message: '' }],
    });
    const later = pdbStatusOf({ ...pdb, status: allowed }, { expectedPods: 3, desiredHealthy: 2, currentHealthy: 3, disruptedPods: {} }, iso(NOW + 60_000));
    expect(later).toEqual(allowed);
    const spent = pdbStatusOf({ ...pdb, status: allowed }, { expectedPods: 3, desiredHealthy: 2, currentHealthy: 2, disruptedPods: { a: iso(NOW) } }, iso(NOW + 60_000));
    expect(spent).toMatchObject({ disruptedPods: { a: iso(NOW) }, disruptionsAllowed: 0, currentHealthy: 2 });
    expect(spent.conditions).toEqual([{ type: 'DisruptionAllowed', status: 'False', observedGeneration: 2, lastTransitionTime: iso(NOW + 60_000), reason: 'InsufficientPods', message: '' }]);
  });
  it('fails safe: no disruptions, SyncFailed with the reason, the rest kept', () => {
    const failed = failSafeStatusOf({ ...pdb, status: { observedGeneration: 1, disruptionsAllowed: 2, currentHealthy: 3 } }, 'found no controllers for pod "x"', iso(NOW));
    expect(failed).toEqual({
      observedGeneration: 1,
      disruptionsAllowed: 0,
      currentHealthy: 3,
      conditions: [{ type: 'DisruptionAllowed', status: 'False', observedGeneration: 1, lastTransitionTime: iso(NOW), reason: 'SyncFailed', message: 'found no controllers for pod "x"' }],
    });
  });
});

describe('expectedScaleOf: the owning controllers’ replicas, each once', () => {
  const cache = (objs: KubeObject[]): SharedInformer => ({ indexer: { get: (key: string) => objs.find((o) => `${o.metadata?.namespace}/${o.metadata?.name}` === key) } }) as unknown as SharedInformer;
  const deploy: KubeObject = { metadata: { name: 'd', namespace: 'ns', uid: 'd1' }, spec: { replicas: 4 } };
  const rsOfDeploy: KubeObject = { metadata: { name: 'd-1', namespace: 'ns', uid: 'rs1', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'd', uid: 'd1', controller: true }] }, spec: { replicas: 2 } };
  const rsOld: KubeObject = { metadata: { name: 'd-0', namespace: 'ns', uid: 'rs0', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'd', uid: 'd1', controller: true }] }, spec: { replicas: 2 } };
  const rc: KubeObject = { metadata: { name: 'r', namespace: 'ns', uid: 'rc1' }, spec: { replicas: 3 } };
  const sources: ScaleSources = { replicasets: cache([rsOfDeploy, rsOld]), deployments: cache([deploy]), replicationcontrollers: cache([rc]), statefulsets: cache([]) };
  const owned = (name: string, kind: string, apiVersion: string, owner: string, uid: string): KubeObject => pod(name, { owner: { kind, apiVersion, name: owner, uid } });
  it('a Deployment counts once across its ReplicaSets; unmanaged pods are listed, not counted', () => {
    const pods = [owned('p1', 'ReplicaSet', 'apps/v1', 'd-1', 'rs1'), owned('p2', 'ReplicaSet', 'apps/v1', 'd-0', 'rs0'), owned('p3', 'ReplicationController', 'v1', 'r', 'rc1'), pod('bare')];
    expect(expectedScaleOf(pods, sources)).toEqual({ expectedPods: 4 + 3, unmanaged: ['bare'] });
  });
  it('an owner that is missing, replaced (other uid) or has no scale is an error', () => {
    expect(() => expectedScaleOf([owned('p', 'ReplicaSet', 'apps/v1', 'd-1', 'other-uid')], sources)).toThrow('found no controllers for pod "p"');
    expect(() => expectedScaleOf([owned('p', 'DaemonSet', 'apps/v1', 'ds', 'x')], sources)).toThrow('daemonsets.apps does not implement the scale subresource');
  });
});
