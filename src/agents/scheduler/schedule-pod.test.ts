import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../apiserver/index.ts';
import { fitErrorMessage } from './failure-message.ts';
import { NodeInfo } from './node-info.ts';
import { defaultPlugins } from './plugins/index.ts';
import { nodeName } from './plugins/node-name.ts';
import { parseMilli, parseQuantity } from './quantity.ts';
import { schedulePod } from './schedule-pod.ts';
import { SchedulerCache } from './scheduler-cache.ts';

const node = (name: string, cpu: string, memory: string, extra: Record<string, unknown> = {}): KubeObject => ({
  metadata: { name, labels: { 'kubernetes.io/hostname': name } },
  spec: extra,
  status: { allocatable: { cpu, memory, pods: '10' } },
});
const pod = (name: string, spec: Record<string, unknown> = {}, cpu?: string, memory?: string): KubeObject => ({
  metadata: { name, namespace: 'ns', labels: {} },
  spec: { containers: [{ name: 'c', resources: { requests: { ...(cpu ? { cpu } : {}), ...(memory ? { memory } : {}) } } }], ...spec },
});

function cluster(nodes: KubeObject[], placed: [KubeObject, string][] = []): SchedulerCache {
  const c = new SchedulerCache();
  for (const n of nodes) c.setNode(n);
  for (const [p, n] of placed) c.setPod(p, n);
  return c;
}

const first = (): number => 0;

describe('quantities', () => {
  it('parses CPU into millicores and memory into bytes', () => {
    expect([parseMilli('100m'), parseMilli('1.5'), parseMilli('2'), parseMilli(1)]).toEqual([100, 1500, 2000, 1000]);
    expect([parseQuantity('1Gi'), parseQuantity('128M'), parseQuantity('1e3'), parseQuantity('junk')]).toEqual([2 ** 30, 128e6, 1000, 0]);
  });
});

describe('schedulePod scoring', () => {
  it('LeastAllocated prefers the emptier node; BalancedAllocation breaks a tie toward even use', () => {
    const c = cluster([node('busy', '4', '8Gi'), node('idle', '4', '8Gi')], [[pod('x', {}, '3', '1Gi'), 'busy']]);
    expect(schedulePod(pod('p', {}, '500m', '1Gi'), c, defaultPlugins(), first)).toMatchObject({ node: 'idle' });
    const c2 = cluster([node('cpu-heavy', '4', '8Gi'), node('even', '4', '8Gi')], [[pod('x', {}, '2', '0'), 'cpu-heavy'], [pod('y', {}, '1', '2Gi'), 'even']]);
    expect(schedulePod(pod('p', {}, '100m', '100Mi'), c2, defaultPlugins(), first)).toMatchObject({ node: 'even' });
  });

  it('TaintToleration scoring avoids PreferNoSchedule taints the pod does not tolerate', () => {
    const c = cluster([node('soft', '4', '8Gi', { taints: [{ key: 'k', value: 'v', effect: 'PreferNoSchedule' }] }), node('clean', '4', '8Gi')]);
    for (let i = 0; i < 5; i++) expect(schedulePod(pod('p'), c, defaultPlugins(), Math.random)).toMatchObject({ node: 'clean' });
    const tolerant = pod('t', { tolerations: [{ key: 'k', operator: 'Exists', effect: 'PreferNoSchedule' }] });
    const picks = new Set(Array.from({ length: 40 }, (_, i) => (schedulePod(tolerant, c, defaultPlugins(), () => (i % 2 === 0 ? 0 : 0.99)) as { node: string }).node));
    expect(picks).toEqual(new Set(['soft', 'clean']));
  });

  it('spreads pods of one controller over nodes', () => {
    const owner = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'rs-1', controller: true };
    const sibling = (n: string): KubeObject => ({ ...pod(n), metadata: { name: n, namespace: 'ns', ownerReferences: [owner] } });
    const c = cluster([node('a', '4', '8Gi'), node('b', '4', '8Gi')], [[sibling('s1'), 'a'], [sibling('s2'), 'a'], [pod('other'), 'b'], [pod('other2'), 'b']]);
    expect(schedulePod(sibling('new'), c, defaultPlugins(), first)).toMatchObject({ node: 'b' });
  });

  it('counts every failing reason of a node and words the FitError like kube-scheduler', () => {
    const c = cluster([node('small', '1', '1Gi'), node('tiny', '100m', '1Gi', { taints: [{ key: 'a', value: 'b', effect: 'NoExecute' }] })]);
    const result = schedulePod(pod('p', {}, '2', '2Gi'), c, defaultPlugins(), first);
    expect('failure' in result && fitErrorMessage(result.failure)).toBe('0/2 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, 1 node(s) had untolerated taint {a: b}.');
    expect(fitErrorMessage({ nodeCount: 0, reasons: new Map() })).toBe('no nodes available to schedule pods');
  });

  it('NodeName fits only the named node', () => {
    const info = new NodeInfo(node('n1', '1', '1Gi'));
    expect(nodeName.filter?.(pod('p', { nodeName: 'n1' }), info, new Map())).toEqual([]);
    expect(nodeName.filter?.(pod('p', { nodeName: 'n2' }), info, new Map())).toEqual(["node(s) didn't match the requested node name"]);
  });
});
