import { describe, expect, it } from 'vitest';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector, SelectorParseError } from './selectors.ts';
import { ApiError } from './status.ts';

const labels = { app: 'web', tier: 'front', version: '3' };

describe('label selectors', () => {
  it.each([
    ['app=web', true],
    ['app==web', true],
    ['app!=web', false],
    ['app!=db', true],
    ['missing!=x', true],
    ['app in (web, db)', true],
    ['app notin (web,db)', false],
    ['tier notin (back)', true],
    ['app', true],
    ['!app', false],
    ['!missing', true],
    ['missing', false],
    ['app=web,tier=front', true],
    ['app=web,tier=back', false],
    ['app in (web),!missing,tier', true],
    ['version>2', true],
    ['version<2', false],
    ['', true],
  ])('%s -> %s', (selector, expected) => {
    expect(matchesLabels(parseLabelSelector(selector), labels)).toBe(expected);
  });

  it('accepts prefixed keys', () => {
    expect(matchesLabels(parseLabelSelector('app.kubernetes.io/name=x'), { 'app.kubernetes.io/name': 'x' })).toBe(true);
  });

  it.each(['app=we b', 'app in (a', '=x', 'a,,b', 'version>x'])('rejects %s', (selector) => {
    expect(() => parseLabelSelector(selector)).toThrow(SelectorParseError);
  });
});

describe('field selectors', () => {
  const supported = ['metadata.name', 'metadata.namespace', 'status.phase'];
  it('matches =, == and !=', () => {
    const fields = { 'metadata.name': 'a', 'metadata.namespace': 'ns', 'status.phase': 'Running' };
    expect(matchesFields(parseFieldSelector('metadata.name=a', supported), fields)).toBe(true);
    expect(matchesFields(parseFieldSelector('metadata.name==b', supported), fields)).toBe(false);
    expect(matchesFields(parseFieldSelector('status.phase!=Pending,metadata.namespace=ns', supported), fields)).toBe(true);
  });
  it('rejects unknown fields with Kubernetes text', () => {
    try {
      parseFieldSelector('spec.foo=x', supported);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).code).toBe(400);
      expect((err as ApiError).message).toBe('field label not supported: spec.foo');
    }
  });
  it('unescapes values', () => {
    expect(parseFieldSelector('metadata.name=a\\,b', supported)).toEqual([{ field: 'metadata.name', op: 'eq', value: 'a,b' }]);
  });
});
