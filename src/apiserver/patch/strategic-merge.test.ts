import { describe, expect, it } from 'vitest';
import { schemaForKind } from './merge-keys.ts';
import { applyStrategicMergePatch } from './strategic-merge.ts';
import { PatchError } from './values.ts';

const pod = schemaForKind('', 'Pod');
const deployment = schemaForKind('apps', 'Deployment');
const service = schemaForKind('', 'Service');
const node = schemaForKind('', 'Node');

interface Case {
  name: string;
  schema?: typeof pod;
  original: unknown;
  patch: unknown;
  result: unknown;
}

// Expected results follow Kubernetes' documentation: the strategic-merge-patch design doc (community/contributors/
// devel) and the "Update API Objects in Place Using kubectl patch" task page, plus the order rules of the reference
// implementation (items named by the patch first in patch order, the others keep their original place).
const cases: Case[] = [
  {
    // The task page shows the result with the patch's container first, as here.
    name: 'containers merge by name: a new container is added (kubectl patch task, patch-file-containers)',
    schema: deployment,
    original: { spec: { template: { spec: { containers: [{ name: 'patch-demo-ctr', image: 'nginx' }] } } } },
    patch: { spec: { template: { spec: { containers: [{ name: 'patch-demo-ctr-2', image: 'redis' }] } } } },
    result: { spec: { template: { spec: { containers: [{ name: 'patch-demo-ctr-2', image: 'redis' }, { name: 'patch-demo-ctr', image: 'nginx' }] } } } },
  },
  {
    name: 'tolerations have no patch strategy: the list is replaced (kubectl patch task, patch-file-tolerations)',
    schema: deployment,
    original: { spec: { template: { spec: { tolerations: [{ effect: 'NoSchedule', key: 'dedicated', value: 'test-team' }] } } } },
    patch: { spec: { template: { spec: { tolerations: [{ effect: 'NoSchedule', key: 'disktype', value: 'ssd' }] } } } },
    result: { spec: { template: { spec: { tolerations: [{ effect: 'NoSchedule', key: 'disktype', value: 'ssd' }] } } } },
  },
  {
    name: '$retainKeys clears the keys not listed (kubectl patch task, deployment strategy Recreate)',
    schema: deployment,
    original: { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } } },
    patch: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } },
    result: { spec: { strategy: { type: 'Recreate' } } },
  },
  {
    name: '$retainKeys keeps listed keys of the original (design doc, union example)',
    original: { union: { foo: 'a', other: 'b' } },
    patch: { union: { $retainKeys: ['bar', 'other'], bar: 'x' } },
    result: { union: { bar: 'x', other: 'b' } },
  },
  {
    name: 'merging containers by name and env by name, a field of a container changed (design doc)',
    schema: pod,
    original: { spec: { containers: [{ name: 'nginx', image: 'nginx-1.0', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] }] } },
    patch: { spec: { containers: [{ name: 'nginx', image: 'nginx-1.1', env: [{ name: 'B', value: '3' }, { name: 'C', value: '4' }] }] } },
    result: {
      spec: { containers: [{ name: 'nginx', image: 'nginx-1.1', env: [{ name: 'A', value: '1' }, { name: 'B', value: '3' }, { name: 'C', value: '4' }] }] },
    },
  },
  {
    name: '$patch: replace inside a list replaces the whole list (design doc)',
    schema: pod,
    original: { spec: { containers: [{ name: 'nginx', image: 'nginx-1.0' }, { name: 'log-tailer', image: 'tail' }] } },
    patch: { spec: { containers: [{ name: 'nginx', image: 'nginx-1.0' }, { $patch: 'replace' }] } },
    result: { spec: { containers: [{ name: 'nginx', image: 'nginx-1.0' }] } },
  },
  {
    name: '$patch: replace in a map replaces the map (design doc)',
    schema: pod,
    original: { metadata: { labels: { a: '1', b: '2' } } },
    patch: { metadata: { labels: { c: '3', $patch: 'replace' } } },
    result: { metadata: { labels: { c: '3' } } },
  },
  {
    name: '$patch: delete removes a list item by merge key (design doc, log-tailer)',
    schema: pod,
    original: { spec: { containers: [{ name: 'nginx', image: 'nginx-1.0' }, { name: 'log-tailer', image: 'tail' }] } },
    patch: { spec: { containers: [{ name: 'log-tailer', $patch: 'delete' }] } },
    result: { spec: { containers: [{ name: 'nginx', image: 'nginx-1.0' }] } },
  },
  {
    name: '$patch: delete on a map removes the map (design doc, rollingUpdate)',
    schema: deployment,
    original: { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } },
    patch: { spec: { strategy: { rollingUpdate: { $patch: 'delete' } } } },
    result: { spec: { strategy: { type: 'RollingUpdate' } } },
  },
  {
    name: 'null deletes a field',
    schema: pod,
    original: { metadata: { labels: { app: 'web', tier: 'front' } }, spec: { nodeName: 'n1' } },
    patch: { metadata: { labels: { tier: null } }, spec: { nodeName: null } },
    result: { metadata: { labels: { app: 'web' } }, spec: {} },
  },
  {
    name: '$deleteFromPrimitiveList removes every copy of a value (design doc, finalizers [a b c b] minus b)',
    schema: pod,
    original: { metadata: { finalizers: ['a', 'b', 'c', 'b'] } },
    patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['b'] } },
    result: { metadata: { finalizers: ['a', 'c'] } },
  },
  {
    name: 'primitive lists with the merge strategy are unions, deduplicated (finalizers)',
    schema: pod,
    original: { metadata: { finalizers: ['a', 'b'] } },
    patch: { metadata: { finalizers: ['c', 'a'] } },
    result: { metadata: { finalizers: ['c', 'a', 'b'] } },
  },
  {
    name: '$setElementOrder reorders a list of primitives (design doc: finalizers b, c, a)',
    schema: pod,
    original: { metadata: { finalizers: ['a', 'b', 'c'] } },
    patch: { metadata: { '$setElementOrder/finalizers': ['b', 'c', 'a'] } },
    result: { metadata: { finalizers: ['b', 'c', 'a'] } },
  },
  {
    name: '$setElementOrder reorders a list of maps by merge key (design doc: containers b, c, a)',
    schema: pod,
    original: { spec: { containers: [{ name: 'a', image: '1' }, { name: 'b', image: '2' }, { name: 'c', image: '3' }] } },
    patch: { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'c' }, { name: 'a' }] } },
    result: { spec: { containers: [{ name: 'b', image: '2' }, { name: 'c', image: '3' }, { name: 'a', image: '1' }] } },
  },
  {
    name: '$setElementOrder with a change: what client-side kubectl apply sends',
    schema: pod,
    original: { spec: { containers: [{ name: 'app', image: 'app:1' }, { name: 'side', image: 'side:1' }] } },
    patch: { spec: { '$setElementOrder/containers': [{ name: 'app' }, { name: 'side' }], containers: [{ name: 'side', image: 'side:2' }] } },
    result: { spec: { containers: [{ name: 'app', image: 'app:1' }, { name: 'side', image: 'side:2' }] } },
  },
  {
    name: 'items the patch does not name keep their place among merged ones',
    schema: pod,
    original: { spec: { containers: [{ name: 'a' }, { name: 'b' }] } },
    patch: { spec: { containers: [{ name: 'c' }, { name: 'a', image: 'x' }] } },
    result: { spec: { containers: [{ name: 'c' }, { name: 'a', image: 'x' }, { name: 'b' }] } },
  },
  {
    name: 'container ports merge by containerPort, volumeMounts by mountPath, volumes by name',
    schema: pod,
    original: {
      spec: {
        volumes: [{ name: 'data', emptyDir: {} }],
        containers: [{ name: 'c', ports: [{ containerPort: 80, protocol: 'TCP' }], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
      },
    },
    patch: {
      spec: {
        volumes: [{ name: 'cache', emptyDir: {} }],
        containers: [{ name: 'c', ports: [{ containerPort: 80, name: 'http' }, { containerPort: 443 }], volumeMounts: [{ mountPath: '/data', readOnly: true }] }],
      },
    },
    result: {
      spec: {
        volumes: [
          { name: 'cache', emptyDir: {} },
          { name: 'data', emptyDir: {} },
        ],
        containers: [
          {
            name: 'c',
            ports: [{ containerPort: 80, protocol: 'TCP', name: 'http' }, { containerPort: 443 }],
            volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true }],
          },
        ],
      },
    },
  },
  {
    name: 'initContainers and imagePullSecrets merge by name; ownerReferences by uid',
    schema: pod,
    original: { metadata: { ownerReferences: [{ uid: 'u1', name: 'rs' }] }, spec: { initContainers: [{ name: 'init', image: 'a' }], imagePullSecrets: [{ name: 'r1' }] } },
    patch: { metadata: { ownerReferences: [{ uid: 'u2', name: 'rs2' }] }, spec: { initContainers: [{ name: 'init', image: 'b' }], imagePullSecrets: [{ name: 'r2' }] } },
    result: {
      metadata: { ownerReferences: [{ uid: 'u2', name: 'rs2' }, { uid: 'u1', name: 'rs' }] },
      spec: { initContainers: [{ name: 'init', image: 'b' }], imagePullSecrets: [{ name: 'r2' }, { name: 'r1' }] },
    },
  },
  {
    name: 'pod status conditions merge by type',
    schema: pod,
    original: { status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'PodScheduled', status: 'True' }] } },
    patch: { status: { conditions: [{ type: 'Ready', status: 'True' }] } },
    result: { status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'PodScheduled', status: 'True' }] } },
  },
  {
    name: 'service ports merge by port',
    schema: service,
    original: { spec: { ports: [{ port: 80, targetPort: 8080 }] } },
    patch: { spec: { ports: [{ port: 80, targetPort: 9090 }, { port: 443 }] } },
    result: { spec: { ports: [{ port: 80, targetPort: 9090 }, { port: 443 }] } },
  },
  {
    name: 'node taints are replaced, podCIDRs merged as a set',
    schema: node,
    original: { spec: { taints: [{ key: 'a', effect: 'NoSchedule' }], podCIDRs: ['10.0.0.0/24'] } },
    patch: { spec: { taints: [{ key: 'b', effect: 'NoExecute' }], podCIDRs: ['10.0.1.0/24'] } },
    result: { spec: { taints: [{ key: 'b', effect: 'NoExecute' }], podCIDRs: ['10.0.1.0/24', '10.0.0.0/24'] } },
  },
  {
    name: 'pod templates of workloads use the pod rules (cronjob jobTemplate)',
    schema: schemaForKind('batch', 'CronJob'),
    original: { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'a', image: '1' }] } } } } } },
    patch: { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'b', image: '2' }] } } } } } },
    result: { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'b', image: '2' }, { name: 'a', image: '1' }] } } } } } },
  },
  {
    name: 'a new map takes the patch without its nulls and directives',
    schema: pod,
    original: {},
    patch: { metadata: { labels: { a: '1', b: null } } },
    result: { metadata: { labels: { a: '1' } } },
  },
];

describe('strategic merge patch', () => {
  it.each(cases)('$name', ({ schema, original, patch, result }) => {
    const before = structuredClone(original);
    expect(applyStrategicMergePatch(original, patch, schema)).toEqual(result);
    expect(original).toEqual(before);
  });

  it('refuses malformed directives and list items without their merge key', () => {
    const original = { spec: { containers: [{ name: 'a' }] } };
    expect(() => applyStrategicMergePatch(original, { spec: { containers: [{ image: 'x' }] } }, pod)).toThrow(
      new PatchError('map: {"image":"x"} does not contain declared merge key: name'),
    );
    expect(() => applyStrategicMergePatch(original, { spec: { containers: [{ $patch: 'delete' }] } }, pod)).toThrow('delete patch type with no merge key defined');
    expect(() => applyStrategicMergePatch(original, { spec: { $patch: 'explode' } }, pod)).toThrow(/Unknown patch type: explode/);
    expect(() => applyStrategicMergePatch(original, { spec: { $retainKeys: 'x' } }, pod)).toThrow(PatchError);
    expect(() => applyStrategicMergePatch(original, [], pod)).toThrow(PatchError);
  });
});
