// Endpoints subsets and EndpointSlices computed from pods.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../apiserver/index.ts';
import { desiredSlices } from './endpoint-slice.ts';
import { desiredSubsets } from './endpoints.ts';

const svc: KubeObject = { metadata: { name: 's', namespace: 'ns' }, spec: { selector: { app: 'a' }, ports: [{ name: 'web', port: 80, targetPort: 'web' }, { name: 'm', port: 9, targetPort: 9090 }] } };
const pod = (name: string, ip: string, port: number, extra: { ready?: boolean; deleting?: boolean; phase?: string; labels?: Record<string, string> } = {}): KubeObject => ({
  metadata: { name, namespace: 'ns', uid: `u-${name}`, labels: extra.labels ?? { app: 'a' }, ...(extra.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
  spec: { nodeName: 'n1', containers: [{ name: 'c', ports: [{ name: 'web', containerPort: port }] }] },
  status: { phase: extra.phase ?? 'Running', podIP: ip, conditions: [{ type: 'Ready', status: extra.ready === false ? 'False' : 'True' }] },
});

describe('endpoints', () => {
  it('groups pods by resolved ports, splits ready from not ready, skips terminating, finished and unselected pods', () => {
    const pods = [pod('b', '10.0.0.2', 8080), pod('a', '10.0.0.1', 8080), pod('c', '10.0.0.3', 8081, { ready: false }), pod('d', '10.0.0.4', 8080, { deleting: true }), pod('e', '10.0.0.5', 8080, { phase: 'Succeeded' }), pod('f', '10.0.0.6', 8080, { labels: { app: 'b' } })];
    const subsets = desiredSubsets(svc, pods);
    expect(subsets).toHaveLength(2);
    const s8080 = subsets.find((s) => JSON.stringify(s.ports).includes('8080'));
    expect((s8080?.addresses as { ip: string }[]).map((a) => a.ip)).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(s8080?.ports).toEqual([{ name: 'web', port: 8080, protocol: 'TCP' }, { name: 'm', port: 9090, protocol: 'TCP' }]);
    const s8081 = subsets.find((s) => JSON.stringify(s.ports).includes('8081'));
    expect(s8081).toMatchObject({ notReadyAddresses: [{ ip: '10.0.0.3', nodeName: 'n1', targetRef: { kind: 'Pod', name: 'c', uid: 'u-c' } }] });
    expect(s8081?.addresses).toBeUndefined();
  });

  it('slices keep terminating pods with their conditions and hold at most the limit each', () => {
    const pods = [pod('a', '10.0.0.1', 8080), pod('b', '10.0.0.2', 8080, { deleting: true }), pod('c', '10.0.0.3', 8080, { ready: false })];
    const slices = desiredSlices(svc, pods, 2);
    expect(slices.map((s) => s.endpoints.length)).toEqual([2, 1]);
    const all = slices.flatMap((s) => s.endpoints);
    expect(all.map((e) => e.conditions)).toEqual([{ ready: true, serving: true, terminating: false }, { ready: false, serving: true, terminating: true }, { ready: false, serving: false, terminating: false }]);
  });
});
