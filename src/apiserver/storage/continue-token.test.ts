import { describe, expect, it } from 'vitest';
import { ContinueTokenError, decodeContinue, encodeContinue } from './continue-token.ts';

describe('continue tokens', () => {
  it('uses kube-apiserver encoding: base64url JSON {v, rv, start}', () => {
    const token = encodeContinue('/registry/pods/default/web\0', '/registry/pods/', 42);
    expect(token).not.toMatch(/[=+/]/);
    expect(JSON.parse(Buffer.from(token, 'base64url').toString())).toEqual({ v: 'meta.k8s.io/v1', rv: 42, start: 'default/web\0' });
    expect(decodeContinue(token, '/registry/pods/')).toEqual({ fromKey: '/registry/pods/default/web\0', revision: 42 });
  });

  it('decodes a token minted by kube-apiserver', () => {
    // {"v":"meta.k8s.io/v1","rv":7,"start":"kube-system/coredns\u0000"}
    const token = Buffer.from('{"v":"meta.k8s.io/v1","rv":7,"start":"kube-system/coredns\\u0000"}').toString('base64url');
    expect(decodeContinue(token, '/registry/pods/')).toEqual({ fromKey: '/registry/pods/kube-system/coredns\0', revision: 7 });
  });

  it.each([
    [Buffer.from('{"v":"x","rv":1,"start":"a"}').toString('base64url'), 'continue key is not valid: server does not recognize this encoded version "x"'],
    [Buffer.from('{"v":"meta.k8s.io/v1","rv":0,"start":"a"}').toString('base64url'), 'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)'],
    [Buffer.from('{"v":"meta.k8s.io/v1","rv":3,"start":""}').toString('base64url'), 'continue key is not valid: encoded start key empty (version meta.k8s.io/v1)'],
    [Buffer.from('{"v":"meta.k8s.io/v1","rv":3,"start":"../secrets/x"}').toString('base64url'), 'continue key is not valid: ../secrets/x'],
    ['!!!', 'continue key is not valid: illegal base64 data'],
  ])('rejects bad tokens (%s)', (token, message) => {
    expect(() => decodeContinue(token, '/registry/pods/')).toThrow(new ContinueTokenError(message));
  });
});
