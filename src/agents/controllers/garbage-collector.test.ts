// The garbage collector's dependency graph.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../apiserver/index.ts';
import { GcGraph } from './garbage-collector-graph.ts';
import { GC_KINDS } from './garbage-collector-kinds.ts';

describe('garbage collector graph', () => {
  const cm = (uid: string, owners: string[] = []): KubeObject => ({ metadata: { uid, name: uid, namespace: 'ns', ownerReferences: owners.map((o) => ({ apiVersion: 'v1', kind: 'ConfigMap', name: o, uid: o })) } });
  const kind = GC_KINDS.find((k) => k.kind === 'ConfigMap')!;
  it('links dependents to owners, observed or virtual, and unlinks them on change and removal', () => {
    const g = new GcGraph();
    expect(g.upsert(cm('child', ['owner']), kind)).toEqual(['owner']);
    expect(g.get('owner')?.object).toBeNull();
    g.upsert(cm('owner'), kind);
    expect(g.dependentsOf('owner').map((n) => n.uid)).toEqual(['child']);
    expect(g.remove(cm('owner'))).toEqual({ dependents: ['child'], owners: [] });
    expect(g.upsert(cm('child', ['other']), kind).sort()).toEqual(['other', 'owner']);
    expect(g.get('owner')).toBeUndefined();
    expect(g.remove(cm('child'))).toEqual({ dependents: [], owners: ['other'] });
    expect(g.get('other')).toBeUndefined();
  });
});
