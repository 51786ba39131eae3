import { describe, expect, it } from 'vitest';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, PatchError } from './patch.ts';

describe('JSON merge patch (RFC 7386)', () => {
  it('merges maps, deletes on null, replaces lists', () => {
    const target = { metadata: { labels: { a: '1', b: '2' } }, list: [1, 2], keep: true };
    const patch = { metadata: { labels: { a: null, c: '3' } }, list: [3] };
    expect(applyMergePatch(target, patch)).toEqual({ metadata: { labels: { b: '2', c: '3' } }, list: [3], keep: true });
  });
  it('does not modify its inputs', () => {
    const target = { a: { b: 1 } };
    applyMergePatch(target, { a: { b: 2 } });
    expect(target).toEqual({ a: { b: 1 } });
  });
});

describe('JSON patch (RFC 6902)', () => {
  const doc = { metadata: { labels: { a: '1' } }, spec: { containers: [{ name: 'c1' }, { name: 'c2' }] } };
  it('adds, removes, replaces, moves, copies and tests', () => {
    const out = applyJsonPatch(doc, [
      { op: 'add', path: '/metadata/labels/b', value: '2' },
      { op: 'remove', path: '/metadata/labels/a' },
      { op: 'replace', path: '/spec/containers/0/name', value: 'first' },
      { op: 'add', path: '/spec/containers/-', value: { name: 'c3' } },
      { op: 'copy', from: '/metadata/labels/b', path: '/metadata/labels/c' },
      { op: 'move', from: '/metadata/labels/c', path: '/metadata/labels/d' },
      { op: 'test', path: '/metadata/labels/d', value: '2' },
      { op: 'add', path: '/metadata/annotations', value: { 'x~y/z': 'v' } },
      { op: 'replace', path: '/metadata/annotations/x~0y~1z', value: 'w' },
    ]);
    expect(out).toEqual({
      metadata: { labels: { b: '2', d: '2' }, annotations: { 'x~y/z': 'w' } },
      spec: { containers: [{ name: 'first' }, { name: 'c2' }, { name: 'c3' }] },
    });
    expect(doc.metadata.labels).toEqual({ a: '1' });
  });
  it('fails a failed test and a missing path', () => {
    expect(() => applyJsonPatch(doc, [{ op: 'test', path: '/metadata/labels/a', value: '2' }])).toThrow(PatchError);
    expect(() => applyJsonPatch(doc, [{ op: 'replace', path: '/nope/x', value: 1 }])).toThrow(PatchError);
    expect(() => applyJsonPatch(doc, { op: 'add' })).toThrow(PatchError);
  });
});

describe('strategic merge patch', () => {
  const pod = {
    metadata: { labels: { app: 'web' }, finalizers: ['a'] },
    spec: {
      containers: [
        { name: 'app', image: 'app:1', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], ports: [{ containerPort: 80, protocol: 'TCP' }] },
        { name: 'sidecar', image: 'side:1' },
      ],
      tolerations: [{ key: 'x' }],
    },
  };

  it('merges containers by name, env by name and ports by containerPort', () => {
    const out = applyStrategicMergePatch(pod, {
      spec: {
        containers: [{ name: 'app', image: 'app:2', env: [{ name: 'B', value: '3' }, { name: 'C', value: '4' }], ports: [{ containerPort: 80, name: 'http' }] }],
      },
    }) as typeof pod;
    expect(out.spec.containers).toEqual([
      {
        name: 'app',
        image: 'app:2',
        env: [{ name: 'A', value: '1' }, { name: 'B', value: '3' }, { name: 'C', value: '4' }],
        ports: [{ containerPort: 80, protocol: 'TCP', name: 'http' }],
      },
      { name: 'sidecar', image: 'side:1' },
    ]);
  });

  it('deletes list elements with $patch: delete and keys with null', () => {
    const out = applyStrategicMergePatch(pod, {
      metadata: { labels: { app: null, tier: 'x' } },
      spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] },
    }) as typeof pod;
    expect(out.metadata.labels).toEqual({ tier: 'x' });
    expect(out.spec.containers.map((c) => c.name)).toEqual(['app']);
  });

  it('replaces lists without a merge key and honours $patch: replace', () => {
    const out = applyStrategicMergePatch(pod, { spec: { tolerations: [{ key: 'y' }], containers: [{ name: 'only', image: 'i' }, { $patch: 'replace' }] } }) as typeof pod;
    expect(out.spec.tolerations).toEqual([{ key: 'y' }]);
    expect(out.spec.containers).toEqual([{ name: 'only', image: 'i' }]);
  });

  it('unions finalizers, removes with $deleteFromPrimitiveList and ignores $setElementOrder', () => {
    const added = applyStrategicMergePatch(pod, { metadata: { finalizers: ['b', 'a'] }, spec: { '$setElementOrder/containers': [{ name: 'app' }] } }) as typeof pod;
    expect(added.metadata.finalizers).toEqual(['a', 'b']);
    const removed = applyStrategicMergePatch(added, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }) as typeof pod;
    expect(removed.metadata.finalizers).toEqual(['b']);
  });

  it('handles what client-side kubectl apply sends', () => {
    const patch = {
      metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' }, labels: { tier: 'front' } },
      spec: { '$setElementOrder/containers': [{ name: 'app' }, { name: 'sidecar' }], containers: [{ image: 'app:3', name: 'app' }] },
    };
    const out = applyStrategicMergePatch(pod, patch) as typeof pod & { metadata: { annotations: Record<string, string> } };
    expect(out.metadata.labels).toEqual({ app: 'web', tier: 'front' });
    expect(out.spec.containers[0].image).toBe('app:3');
    expect(out.spec.containers).toHaveLength(2);
  });
});
