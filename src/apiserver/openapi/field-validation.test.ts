import { describe, expect, it } from 'vitest';
import { ApiError } from '../rest/status.ts';
import { buildOpenApiDocuments } from './documents.ts';
import { duplicateFields, pruneUnknownFields } from './field-validation.ts';
import { fieldValidationMode, validateFields, warningHeaders } from './request-validation.ts';

const docs = buildOpenApiDocuments([{ group: '', version: 'v1', kind: 'Pod', resource: 'pods', namespaced: true }], 'Kubernetes', 'test');
const POD = 'io.k8s.api.core.v1.Pod';
const pod = () => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', labels: { a: 'b' }, bogus: 1 },
  spec: { containers: [{ name: 'c', image: 'i', env: [{ name: 'X', value: '1', extra: true }] }], nodeSelector: { any: 'key' }, foo: 'bar' },
});

describe('pruneUnknownFields', () => {
  it('reports unknown fields with Kubernetes paths and removes them; map keys are free', () => {
    const obj = pod();
    expect(pruneUnknownFields(docs.definitions, POD, obj)).toEqual(['metadata.bogus', 'spec.containers[0].env[0].extra', 'spec.foo']);
    expect(obj.metadata).toEqual({ name: 'p', labels: { a: 'b' } });
    expect(obj.spec.containers[0].env[0]).toEqual({ name: 'X', value: '1' });
    expect(obj.spec.nodeSelector).toEqual({ any: 'key' });
  });

  it('lets strategic-merge directives through in patches only', () => {
    const patch = { spec: { $setElementOrder: [], containers: [{ name: 'c', $patch: 'delete' }] } };
    expect(pruneUnknownFields(docs.definitions, POD, structuredClone(patch), true)).toEqual([]);
    expect(pruneUnknownFields(docs.definitions, POD, structuredClone(patch), false)).toEqual(['spec.$setElementOrder', 'spec.containers[0].$patch']);
  });
});

describe('duplicateFields', () => {
  it('finds repeated keys per object, with paths, ignoring look-alikes inside strings', () => {
    expect(duplicateFields('{"metadata":{"name":"a","name":"b"},"spec":{"containers":[{"name":"x","image":"i","image":"j"}]}}')).toEqual([
      'metadata.name',
      'spec.containers[0].image',
    ]);
    expect(duplicateFields('{"a":"\\"a\\":1","b":{"a":1},"c":[{"a":1},{"a":2}]}')).toEqual([]);
    expect(duplicateFields('{"a":1,"a":2}')).toEqual(['a']);
  });
});

describe('validateFields and the wire', () => {
  const target = { group: '', version: 'v1', kind: 'Pod' };
  const q = (s: string) => new URLSearchParams(s);

  it('defaults to Warn and refuses unknown modes with 422 on the options kind', () => {
    expect(fieldValidationMode(q(''), 'create')).toBe('Warn');
    expect(fieldValidationMode(q('fieldValidation=Strict'), 'update')).toBe('Strict');
    let err: unknown;
    try {
      fieldValidationMode(q('fieldValidation=strict'), 'patch');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(422);
    expect((err as ApiError).message).toBe('PatchOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "strict": supported values: "Ignore", "Strict", "Warn"');
  });

  it('Strict → 400 in kube-apiserver words; Warn → warnings; Ignore → nothing, though fields are still dropped', () => {
    const body = pod();
    expect(() => validateFields(docs, target, body, '{"a":1,"a":2}', 'Strict', 'create')).toThrow(
      'Pod in version "v1" cannot be handled as a Pod: strict decoding error: duplicate field "a", unknown field "metadata.bogus", unknown field "spec.containers[0].env[0].extra", unknown field "spec.foo"',
    );
    expect(() => validateFields(docs, target, pod(), '', 'Strict', 'patch')).toThrow(/^strict decoding error: unknown field "metadata.bogus"/);
    expect(validateFields(docs, target, pod(), '', 'Warn', 'update')).toEqual(['unknown field "metadata.bogus"', 'unknown field "spec.containers[0].env[0].extra"', 'unknown field "spec.foo"']);
    expect(validateFields(docs, target, pod(), '', 'Ignore', 'create')).toEqual([]);
    expect(validateFields(docs, { group: 'example.com', version: 'v1', kind: 'Unknown' }, { x: 1 }, '', 'Strict', 'create')).toEqual([]);
  });

  it('quotes warnings as RFC 7234 warn-text', () => {
    expect(warningHeaders(['unknown field "spec.foo"'])).toEqual(['299 - "unknown field \\"spec.foo\\""']);
  });
});
