import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../apiserver/index.ts';
import { Indexer, NAMESPACE_INDEX, objectKey, podsByNodeName } from './indexer.ts';

const pod = (ns: string, name: string, nodeName?: string, rv = '1'): KubeObject => ({ metadata: { namespace: ns, name, resourceVersion: rv }, spec: nodeName === undefined ? {} : { nodeName } });

describe('Indexer', () => {
  it('keys by namespace/name and indexes by namespace and custom functions, following updates and deletes', () => {
    const idx = new Indexer({ byNode: podsByNodeName });
    idx.upsert(pod('a', 'p1', 'n1'));
    idx.upsert(pod('a', 'p2'));
    idx.upsert(pod('b', 'p3', 'n1'));
    expect(objectKey(pod('a', 'p1'))).toBe('a/p1');
    expect(objectKey({ metadata: { name: 'node1' } })).toBe('node1');
    expect(idx.byIndex(NAMESPACE_INDEX, 'a').map(objectKey).sort()).toEqual(['a/p1', 'a/p2']);
    expect(idx.indexKeys('byNode', 'n1').sort()).toEqual(['a/p1', 'b/p3']);

    idx.upsert(pod('a', 'p2', 'n2', '2')); // scheduled
    idx.upsert(pod('a', 'p1', 'n2', '2')); // moved
    expect(idx.indexKeys('byNode', 'n1')).toEqual(['b/p3']);
    expect(idx.indexKeys('byNode', 'n2').sort()).toEqual(['a/p1', 'a/p2']);

    expect(idx.delete('b/p3')?.metadata?.name).toBe('p3');
    expect(idx.indexValues('byNode')).toEqual(['n2']);
    expect(idx.indexValues(NAMESPACE_INDEX)).toEqual(['a']);
    expect(idx.size).toBe(2);
  });

  it('fills an index added later from what is cached', () => {
    const idx = new Indexer();
    idx.upsert(pod('a', 'p1', 'n1'));
    idx.addIndexers({ byNode: podsByNodeName });
    expect(idx.byIndex('byNode', 'n1')).toHaveLength(1);
    expect(() => idx.addIndexers({ byNode: podsByNodeName })).toThrow('already exists');
    expect(() => idx.byIndex('nope', 'x')).toThrow('no indexer');
  });
});
