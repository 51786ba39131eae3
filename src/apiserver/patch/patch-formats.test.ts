import { describe, expect, it } from 'vitest';
import { applyJsonPatch, applyMergePatch, PatchError } from './index.ts';

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
