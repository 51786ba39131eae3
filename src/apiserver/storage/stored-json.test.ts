// A stored object answered without parsing must say exactly what decoding it would: the same object with its
// modRevision as resourceVersion. Anything not written in encode()'s shape is left to the parser (undefined).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { KubeObject } from '../types.ts';
import { decode, encode } from './object-store.ts';
import { inEncodedShape, storedJson } from './stored-json.ts';

function parsed(value: Buffer, modRevision: number): unknown {
  return decode({ key: Buffer.from('/registry/pods/ns/x'), value, modRevision, createRevision: 1, version: 1, lease: '0' } as never);
}

function spliced(value: Buffer, modRevision: number): unknown {
  const out = storedJson(value, modRevision);
  expect(out).toBeDefined();
  return JSON.parse((out as Buffer).toString('utf8'));
}

describe('storedJson', () => {
  it('puts the resourceVersion into what encode() stored, the rest unchanged', () => {
    const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'ns', resourceVersion: '3', labels: { app: 'web' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'r', uid: 'u' }] }, spec: { nodeName: 'n1' } };
    const value = encode(pod);
    expect(spliced(value, 42)).toEqual(parsed(value, 42));
    expect((spliced(value, 42) as KubeObject).metadata?.resourceVersion).toBe('42');
  });

  it('writes a typed object in its shape whatever the order of its keys, and handles an empty metadata', () => {
    const shuffled = { spec: { x: 1 }, metadata: {}, kind: 'Thing', apiVersion: 'example.com/v1' } as KubeObject;
    const value = encode(shuffled);
    expect(inEncodedShape(value)).toBe(true);
    expect(value.toString()).toBe('{"apiVersion":"example.com/v1","kind":"Thing","metadata":{},"spec":{"x":1}}');
    expect(spliced(value, 7)).toEqual(parsed(value, 7));
  });

  it('leaves values not in encode() shape, or naming a resourceVersion, to the parser', () => {
    const cases = [
      '{"metadata":{"name":"c"},"apiVersion":"v1","kind":"Pod"}', // another key order
      '{"metadata":{"name":"c"}}', // no type
      '{"apiVersion":"v1","metadata":{}}', // no kind
      '{"apiVersion":"v\\u0031","kind":"Pod","metadata":{}}', // an escape in the type
      '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"d","resourceVersion":"2"}}',
      '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"e","labels":{"x":"resourceVersion"}}}',
    ];
    for (const c of cases) expect(storedJson(Buffer.from(c), 5), c).toBeUndefined();
  });

  it('agrees with decoding for any typed object encode() writes', () => {
    const text = fc.string({ maxLength: 12 });
    const object = fc.record(
      {
        apiVersion: fc.constantFrom('v1', 'apps/v1', 'example.com/v1beta1'),
        kind: fc.constantFrom('Pod', 'Deployment', 'Thing'),
        metadata: fc.record({ name: text, annotations: fc.dictionary(text, text, { maxKeys: 3 }), resourceVersion: fc.nat().map(String) }, { requiredKeys: [] }),
        spec: fc.jsonValue({ maxDepth: 3 }),
      },
      { requiredKeys: ['apiVersion', 'kind', 'metadata'] },
    );
    let splicedRuns = 0;
    fc.assert(
      fc.property(object, fc.integer({ min: 1, max: 2 ** 40 }), (obj, rev) => {
        const value = encode(obj as KubeObject);
        const out = storedJson(value, rev);
        // Undefined only when a "resourceVersion" string sits in the value; otherwise exactly the parsed answer.
        if (out === undefined) expect(value.includes('"resourceVersion"')).toBe(true);
        else {
          splicedRuns++;
          expect(JSON.parse(out.toString('utf8'))).toEqual(parsed(value, rev));
        }
      }),
      { numRuns: 500 },
    );
    expect(splicedRuns).toBeGreaterThan(400);
  });
});
