import { describe, expect, it } from 'vitest';
import { Authenticator } from './authenticator.ts';
import { parseTokenFile, TokenFileError } from './token-file.ts';
import { unauthorized } from './responses.ts';

describe('token file', () => {
  it('reads token,user,uid,"groups" lines, quoted fields and blank lines', () => {
    const tokens = parseTokenFile('t1,alice,u1,"dev,ops"\n\n"t2",bob,u2\nt3,carol,u3,solo\n');
    expect(tokens.get('t1')).toEqual({ name: 'alice', uid: 'u1', groups: ['dev', 'ops'] });
    expect(tokens.get('t2')).toEqual({ name: 'bob', uid: 'u2', groups: [] });
    expect(tokens.get('t3')?.groups).toEqual(['solo']);
  });
  it('refuses short lines, empty users, duplicates and broken quotes with the line number', () => {
    expect(() => parseTokenFile('t1,alice')).toThrow('token file line 1: expected token,user,uid');
    expect(() => parseTokenFile('a,b,c\n,x,y')).toThrow('line 2: token and user must not be empty');
    expect(() => parseTokenFile('a,b,c\na,d,e')).toThrow('line 2: duplicate token');
    expect(() => parseTokenFile('a,b,c,"g1,g2')).toThrow(TokenFileError);
  });
});

describe('authenticator', () => {
  const tokens = parseTokenFile('secret,alice,u1,"dev"\n');
  const authn = new Authenticator({ tokens, anonymous: true });
  it('takes CN as the user and each O as a group from a verified certificate', () => {
    expect(authn.authenticate({ certificateSubject: { CN: 'system:node:n1', O: ['system:nodes', 'x'] } })).toEqual({
      name: 'system:node:n1',
      groups: ['system:nodes', 'x', 'system:authenticated'],
    });
    expect(authn.authenticate({ certificateSubject: { CN: 'admin', O: 'system:masters' } })?.groups).toEqual(['system:masters', 'system:authenticated']);
  });
  it('takes bearer tokens from the token file; an unknown token is refused even with anonymous on', () => {
    expect(authn.authenticate({ authorization: 'Bearer secret' })).toEqual({ name: 'alice', uid: 'u1', groups: ['dev', 'system:authenticated'] });
    expect(authn.authenticate({ authorization: 'Bearer nope' })).toBeNull();
    expect(authn.authenticate({ authorization: 'Basic abc' })).toBeNull();
  });
  it('makes requests without credentials anonymous only when allowed; a rejected certificate is 401', () => {
    expect(authn.authenticate({})).toEqual({ name: 'system:anonymous', groups: ['system:unauthenticated'] });
    expect(new Authenticator({ tokens, anonymous: false }).authenticate({})).toBeNull();
    expect(authn.authenticate({ certificateRejected: true, authorization: 'Bearer secret' })).toBeNull();
  });
  it('answers 401 with Kubernetes Status', () => {
    expect(unauthorized().toStatus()).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
  });
});
